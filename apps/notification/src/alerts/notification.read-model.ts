/**
 * The name notification's read model (its alerts and its order facts) shares its lock under: the live writes take
 * it shared, a rebuild's swap exclusively (ADR 16).
 */
export const NOTIFICATION_READ_MODEL = 'notification';
