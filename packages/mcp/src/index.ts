import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HushMcpServer, type HushMcpServerOptions } from './server.js';

export type { ApprovalCallback, ApprovalMode, WriteRequest } from './approval.js';
export { approvalFor } from './approval.js';
export type { HushMcpServerOptions } from './server.js';
export { HushMcpServer, SERVER_INFO } from './server.js';

/**
 * Serves the tools on stdin and stdout until the client closes the stream; resolves then. The
 * session's tokens end with it.
 */
export async function serveStdio(options: HushMcpServerOptions): Promise<void> {
  const server = new HushMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.mcp.connect(transport);
  await closed;
  await server.close();
}
