export { INCIDENT_KINDS, incidentMail, reviewReminderMail, type IncidentKind, type MailContent } from './messages';
export { createMailer, type Mailer } from './mailer';
export { createOutboxSender, type OutboxSender } from './outbox';
