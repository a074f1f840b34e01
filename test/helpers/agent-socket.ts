import WebSocket from 'ws';

export interface AgentSocket {
  ws: WebSocket;
  received: Array<Record<string, any>>;
  /** Resolves with the first message (already received or arriving) that matches. */
  next(match: (m: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  send(message: unknown): void;
  close(): Promise<void>;
}

/** A softphone's connection as a browser makes it: the token in Sec-WebSocket-Protocol (`path`: another socket of ours, e.g. /ws/supervisor). */
export function connectAgent(baseUrl: string, token: string, path = '/ws/agent'): Promise<AgentSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, token ? ['bearer', token] : []);
  const received: Array<Record<string, any>> = [];
  const waiters: Array<{ match: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Record<string, any>;
    received.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const socket: AgentSocket = {
    ws,
    received,
    next(match, timeoutMs = 5000) {
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(received.map((r) => r.type))}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once('error', reject);
  });
}
