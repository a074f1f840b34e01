import express from 'express';

/**
 * The page's Content-Security-Policy. Everything is our own origin but the Twilio Voice SDK's
 * traffic: its signalling WebSocket (wss://voice-js.<edge>.twilio.com), its event gateway and
 * ringtones (https://eventgw.twilio.com, https://sdk.twilio.com); a configured stand-in
 * gateway (the test hook TWILIO_VOICE_SIGNALLING_HOST) replaces Twilio's for the socket. A
 * header rather than a <meta>, since that one host comes from the server's configuration.
 */
export function agentPagePolicy(signallingHost?: string): string {
  const signalling = signallingHost ? `wss://${signallingHost}` : 'wss://*.twilio.com';
  return [
    "default-src 'self'",
    `connect-src 'self' ${signalling} https://*.twilio.com`,
    "media-src 'self' https://sdk.twilio.com",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** `/agent/`: the reference softphone's files, and the pinned Twilio Voice SDK (that one file of node_modules). */
export function agentPage(opts: { root: string; voiceSdkFile: string; signallingHost?: string }): express.Router {
  const r = express.Router();
  const policy = agentPagePolicy(opts.signallingHost);
  r.get('/vendor/twilio.min.js', (_req, res, next) => {
    res.sendFile(opts.voiceSdkFile, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  r.use(
    express.static(opts.root, {
      setHeaders(res, file) {
        if (file.endsWith('.html')) res.setHeader('Content-Security-Policy', policy);
      },
    }),
  );
  return r;
}
