import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { SERVICE_CONFIG } from '@gpux/platform';

/** What the console's files may do in the browser: load only themselves, talk only to this gateway. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export const CONSOLE_NOT_BUILT =
  'GPU Exchange: the console is not built. Build it with `npx nx build console` (npm start does), then reload. The API is at /graphql.\n';

/**
 * Serves the web console (apps/console, built into CONSOLE_DIR) at `/` as static files, after the
 * API's routes. Without a built console the gateway runs as before and `/` says how to build it.
 */
@Injectable()
export class ConsoleAssets implements OnModuleInit {
  private readonly logger = new Logger('console');

  constructor(
    private readonly adapter: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: { CONSOLE_DIR: string },
  ) {}

  // On module init: after Nest's routes (GraphQL, health, metrics), before its not-found handler.
  onModuleInit(): void {
    const http = this.adapter.httpAdapter as ExpressAdapter;
    const dir = resolve(this.config.CONSOLE_DIR);
    if (existsSync(join(dir, 'index.html'))) {
      http.useStaticAssets(dir, {
        index: 'index.html',
        dotfiles: 'ignore',
        setHeaders: (res: ServerResponse) => {
          for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) res.setHeader(name, value);
        },
      });
      return;
    }
    this.logger.warn(`the console is not built (no ${join(dir, 'index.html')}): / answers how to build it`);
    http.get('/', (_req: unknown, res: ServerResponse) => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(CONSOLE_NOT_BUILT);
    });
  }
}
