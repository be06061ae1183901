// Imported first by the server's entry: starts loading the parser wasm before the rest of the
// bundle (the LSP libraries, rules, fixes) is evaluated, so the file reads and the asynchronous
// wasm compile overlap with it. `NixVfioServer` picks up the same load through `NixParser.create()`.
import { NixParser } from '../parse/nixParser';

// A failure is logged by the server once its connection exists (it awaits the same load); here it
// must not become an unhandled rejection before the handler is installed.
NixParser.create().catch(() => undefined);
