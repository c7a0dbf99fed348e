/** Database URLs as users write them, and what may be printed of them (pure: no database). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDatabaseUrl, redactText, redactUrl, secretsOf } from '../../src/drivers/url.js';

const SPECIAL = `p@ss:w/o#r?d%&=+ $!'"\\`;

describe('server URLs with unencoded passwords', () => {
  const cases: [written: string, host: string, password: string][] = [
    ['postgres://u:p#ssw0rd@host/db', 'host', 'p#ssw0rd'],
    ['postgres://u:pa/ss@host:5433/db', 'host:5433', 'pa/ss'],
    ['postgres://u:pa?ss@host/db', 'host', 'pa?ss'],
    ['postgres://u:123/ss@host/db', 'host', '123/ss'],
    ['mysql://u:a@b@host/db', 'host', 'a@b'],
    [`mysql://u:${SPECIAL}@127.0.0.1:3306/db`, '127.0.0.1:3306', SPECIAL],
    [`mysql://u:${encodeURIComponent(SPECIAL)}@127.0.0.1:3306/db`, '127.0.0.1:3306', SPECIAL],
  ];
  for (const [written, host, password] of cases) {
    test(`${written}: host ${host}, the password as meant, never in the display`, () => {
      const target = parseDatabaseUrl(written);
      const url = new URL(target.connection);
      assert.equal(url.host, host);
      assert.equal(decodeURIComponent(url.password), password);
      assert.equal(url.username, 'u');
      assert.equal(target.display, `${written.split('://')[0]}://u:***@${host}/db`);
      assert.ok(target.secrets.includes(password));
    });
  }

  test('an @ in a query value stays in the query when the URL is otherwise standard', () => {
    const target = parseDatabaseUrl('postgres://host/db?application_name=a@b');
    assert.equal(new URL(target.connection).host, 'host');
    assert.equal(new URL(target.connection).searchParams.get('application_name'), 'a@b');
  });

  test('connect_timeout (seconds) and, on MySQL, connectTimeout (ms); MySQL URLs lose both', () => {
    assert.equal(parseDatabaseUrl('postgres://h/db?connect_timeout=3').connectTimeoutMs, 3000);
    assert.equal(parseDatabaseUrl('postgres://h/db?connect_timeout=0').connectTimeoutMs, 0);
    assert.equal(parseDatabaseUrl('postgres://h/db').connectTimeoutMs, null);
    const mysql = parseDatabaseUrl('mysql://h/db?connectTimeout=2500&charset=utf8mb4');
    assert.equal(mysql.connectTimeoutMs, 2500);
    assert.equal(mysql.connection, 'mysql://h/db?charset=utf8mb4');
  });
});

describe('redaction', () => {
  test('a URL that cannot be parsed hides everything between :// and the last @', () => {
    assert.equal(redactUrl('postgres://u:p@ss@bad host/db'), 'postgres://***@bad host/db');
    assert.throws(() => parseDatabaseUrl(`postgres://u:${SPECIAL}@bad host/db`), (e: Error) => !e.message.includes('ss:w/o'));
  });

  test('texts: every known form of the password, and any user:password@ of a URL', () => {
    const url = `postgres://u:${SPECIAL}@h/db`;
    const secrets = secretsOf(url);
    const text = `failed: ${url} / ${encodeURIComponent(SPECIAL)} / other mysql://x:unknown@y/z`;
    assert.equal(redactText(text, secrets), 'failed: postgres://u:***@h/db / *** / other mysql://x:***@y/z');
  });

  test('a password equal to the scheme or the user name keeps the URL readable', () => {
    const url = 'postgres://postgres:postgres@localhost/app';
    assert.equal(redactText(`cannot connect to ${url}`, secretsOf(url)), 'cannot connect to postgres://postgres:***@localhost/app');
  });
});
