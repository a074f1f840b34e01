import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  QueueUrl: string;
  MessageBody: string;
  DelaySeconds?: number;
}

/**
 * A stand-in for Amazon SQS speaking its AWS JSON 1.0 protocol (what @aws-sdk/client-sqs
 * sends: POST with `X-Amz-Target: AmazonSQS.SendMessage`), for the serverless-offline test:
 * the SDK reaches it through the queue URL (useQueueUrlAsEndpoint). It keeps what was sent.
 */
export async function startFakeSqs(): Promise<{ url: string; queueUrl: string; sent: SentMessage[]; close(): Promise<void> }> {
  const sent: SentMessage[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      if (target !== 'AmazonSQS.SendMessage') return reply(400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target });
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SentMessage;
      sent.push(input);
      reply(200, { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex') });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    queueUrl: `${url}/000000000000/routing-timers`,
    sent,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
