import pg from 'pg';
import { sqlLiteral } from './sql-literal.js';

describe('sqlLiteral', () => {
  it('writes every string as node-postgres escapeLiteral does', () => {
    const samples = [
      '',
      'plain',
      "it's",
      "''",
      '\\',
      'a\\b',
      "both ' and \\ and \\' and '\\",
      '{"name":"O\'Brien","path":"C:\\\\dir","text":"line\\nbreak"}',
      'أمل محمد جمعة أبو صويص',
      'emoji 😀 and combining é',
      '\u0000 nul? no: \u0001 control',
      'x'.repeat(10000) + "'" + '\\'.repeat(3),
    ];
    for (const text of samples) expect(sqlLiteral(text)).toBe(pg.escapeLiteral(text));
  });
});
