import type { Role } from '@ledger/domain';
import type { TestApp } from './test-app.js';

export interface CommandAnswer {
  status: number;
  body: { id: string; version: number; eventIds: string[]; disputeId?: string; code?: string; errors?: Array<{ path: string }> };
}

/** A user of the ledger over HTTP: an opaque id and the roles their token carries. */
export class LedgerUser {
  private readonly token: string;

  constructor(
    private readonly api: TestApp,
    readonly id: string,
    ...roles: Role[]
  ) {
    this.token = api.token(id, ...roles);
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<CommandAnswer> {
    const response = await fetch(`${this.api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}`, ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as CommandAnswer['body'] };
  }

  async get<T>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.api.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    return { status: response.status, body: (await response.json()) as T };
  }
}
