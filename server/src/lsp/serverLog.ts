// The server's own log lines (window/logMessage, shown in the *Nix VFIO* output channel), kept to
// the level the `nixVfio.log.level` setting asks for.
import { RemoteConsole } from 'vscode-languageserver';
import { LOG_LEVELS, LogLevel } from './settings';

export class ServerLog {
  level: LogLevel = 'info';

  constructor(private readonly console: RemoteConsole) {}

  error(message: string): void {
    if (this.allows('error')) this.console.error(message);
  }

  warn(message: string): void {
    if (this.allows('warn')) this.console.warn(message);
  }

  info(message: string): void {
    if (this.allows('info')) this.console.info(message);
  }

  debug(message: string): void {
    if (this.allows('debug')) this.console.log(message);
  }

  private allows(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.level);
  }
}
