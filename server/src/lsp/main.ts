// The language server process. The transport (--stdio or --node-ipc) comes from the command line.
// startParser comes first on purpose: imports are evaluated in order.
import './startParser';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { NixVfioServer } from './server';

const connection = createConnection(ProposedFeatures.all);
process.on('unhandledRejection', (reason) => connection.console.error(`unhandled rejection: ${String(reason)}`));
new NixVfioServer(connection).listen();
