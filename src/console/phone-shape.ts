/**
 * What a phone number typed by a person looks like: digits with the spaces, dots, dashes and
 * brackets people type, a leading + optional. One rule for the server, which reads such text as a
 * phone lookup, and for the lookup page, which keeps such text out of its address.
 */
export const phoneShape = /^\+?[\d\s().-]{7,25}$/;
