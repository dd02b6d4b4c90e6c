import { z } from 'zod';

/** A form field as a list: a browser sends checkboxes and a multiple select once per value chosen, or not at all. */
export const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A form field sent once, several times or not at all (checkboxes, a multiple select), as a list `list` checks. */
export const many = <T extends z.ZodType>(list: T) => z.preprocess(asList, list);
