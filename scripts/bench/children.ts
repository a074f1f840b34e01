import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ChildReady, ChildReply, ParentRequest } from './protocol.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerChild {
  proc: ChildProcess;
  port: number;
  info: ChildReady['info'];
  request<T extends ChildReply['type']>(msg: ParentRequest, expect: T): Promise<Extract<ChildReply, { type: T }>>;
  stop(): Promise<void>;
}

/** Forks a server script under tsx with an IPC channel and waits for its 'ready' message. */
export async function startChild(script: string, opts: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<ServerChild> {
  const proc = fork(path.join(import.meta.dirname, script), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${script} exited with ${code} before it was ready`));
    proc.once('exit', onExit);
    proc.on('message', (m) => {
      const msg = m as ChildReady | ChildReply;
      if (msg.type === 'ready') {
        proc.off('exit', onExit);
        resolve(msg);
      }
    });
  });

  const request = <T extends ChildReply['type']>(msg: ParentRequest, expect: T) =>
    new Promise<Extract<ChildReply, { type: T }>>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        const reply = m as ChildReply;
        if (reply.type === expect) {
          proc.off('message', onMessage);
          resolve(reply as Extract<ChildReply, { type: T }>);
        } else if (reply.type === 'error') {
          proc.off('message', onMessage);
          reject(new Error(`${script}: ${reply.message}`));
        }
      };
      proc.on('message', onMessage);
      proc.send(msg);
    });

  return {
    proc,
    port: ready.port,
    info: ready.info,
    request,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      try {
        await Promise.race([request({ type: 'shutdown' }, 'closed'), new Promise((r) => setTimeout(r, 15_000))]);
      } catch {
        // fall through to the kill below
      }
      const timer = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
