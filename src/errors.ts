/** Every failure the domain reports to a client; `http/error-handler.ts` maps codes to statuses. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  // Refusals with a reason (issue 12); FORBIDDEN stays last of the 403s, the code a bare 403 maps to.
  NOT_YOUR_CUSTOMER: 403,
  MISSING_SCOPE: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  // The agent's profile names no Twilio client identity (an admin sets it): no softphone audio for them yet.
  NO_VOICE_IDENTITY: 409,
  // CONFLICT stays last of the 409s, the code a bare 409 maps to.
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  // A provider we call (Amazon Connect's API) failed or refused: not our fault, not the client's.
  BAD_GATEWAY: 502,
  // The deployment has no Twilio API key or TwiML app for softphone audio (TWILIO_API_KEY…): not a fault that passes.
  VOICE_NOT_CONFIGURED: 503,
  // SERVICE_UNAVAILABLE stays last of the 503s, the code a bare 503 maps to.
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
