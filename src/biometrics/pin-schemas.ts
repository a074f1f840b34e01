import { z } from 'zod';
import { toAsciiDigits } from '../crm/phone.js';

/**
 * Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits become ASCII: a PIN typed on
 * an Arabic keyboard is the same PIN as one pressed on a keypad. The messages never
 * quote the input, so a PIN cannot leak through a 400.
 */
export const ZPin = z
  .string('must be a string of 4 to 8 digits')
  .transform(toAsciiDigits)
  .pipe(z.string().regex(/^[0-9]{4,8}$/, 'must be 4 to 8 digits'));

export const ZPinInput = z.object({ pin: ZPin });
