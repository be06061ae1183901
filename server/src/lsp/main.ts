// The language server (dist/serverBundle.js, started through launch.ts). The transport (--stdio or
// --node-ipc) comes from the command line.
// startParser comes first on purpose: imports are evaluated in order.
import './startParser';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { NixVfioServer } from './server';

const connection = createConnection(ProposedFeatures.all);
process.on('unhandledRejection', (reason) => connection.console.error(`unhandled rejection: ${String(reason)}`));
const server = new NixVfioServer(connection);
server.listen();

/** For the process entry (launch.ts), which caches the compiled code once the first analysis ran. */
export const firstAnalysis = server.firstAnalysis;
