export { INCIDENT_KINDS, fileFailuresMail, incidentMail, reviewReminderMail, type FailedFileLine, type IncidentKind, type MailContent } from './messages';
export { createMailer, type Mailer } from './mailer';
export { createOutboxSender, type OutboxSender } from './outbox';
