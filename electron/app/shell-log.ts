/** The logging the shell does (a pino logger satisfies it). Never pass a token or a full URL. */
export interface ShellLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
