// The floor of the latency benchmark: a server in a process of its own that answers every
// request on its Unix socket with the same bytes, whatever it asked, and does nothing else. A read
// from it costs what the machine's kernel and scheduler charge for one request and one answer
// between two processes; what a read through the agent costs above it is hush's own work. With
// FLOOR_BUSY_POLL_MS it keeps its event loop turning after each answer, as `--busy-poll` has the
// agent do, so that the floor stays the floor.
import { createServer } from 'node:net';

const answer = Buffer.from(process.env.FLOOR_ANSWER, 'base64');
const pollMs = Number(process.env.FLOOR_BUSY_POLL_MS ?? 0);
let lastAnswer = 0;
let polling = false;
const turn = () => {
  polling = performance.now() - lastAnswer < pollMs;
  if (polling) setImmediate(turn);
};
const server = createServer((socket) => {
  socket.on('data', (chunk) => {
    // One request per chunk: the client sends the next only after this answer.
    if (!chunk.includes('\r\n\r\n')) return;
    socket.write(answer);
    lastAnswer = performance.now();
    if (pollMs > 0 && !polling) turn();
  });
  socket.on('error', () => undefined);
});
server.listen(process.env.FLOOR_SOCKET, () => process.send('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
