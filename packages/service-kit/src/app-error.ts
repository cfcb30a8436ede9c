/** A field that failed validation, as listed in a problem's `invalid-params`. */
export interface InvalidParam {
  name: string;
  reason: string;
}

export interface AppErrorOptions {
  status: number;
  /** A stable, machine-readable slug; it becomes the problem `type` (`/problems/<code>`). */
  code: string;
  title: string;
  detail?: string;
  invalidParams?: InvalidParam[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type services throw for an answer other than success; rendered as RFC 9457. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail?: string;
  readonly invalidParams?: InvalidParam[];
  readonly headers: Record<string, string>;

  constructor(options: AppErrorOptions) {
    super(options.detail ?? options.title, { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.title = options.title;
    this.detail = options.detail;
    this.invalidParams = options.invalidParams;
    this.headers = options.headers ?? {};
  }
}
