// splitUrl's shortcut must give what new URL() gives for every request target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitUrl } from './requestinfo.js';

test('splitUrl agrees with the WHATWG URL parser', () => {
  const paths = ['/', '', '/api', '/api/v1/namespaces/bench/pods', '/apis/apps/v1/namespaces/x/deployments/d/scale', '//evil/x', '/a/./b', '/a/../b', '/a/%2e%2E/b', '/a/.hidden', '/a b', '/a%20b', "/it's", '/ü', '/a\\b', '/a\tb', '/a|b', '/a^b', '/a`b', '/{x}', '/a#frag', 'api/v1', '/api/v1/namespaces/default/pods/p:1', '/x/'];
  const queries = ['', '?', '?watch=true&resourceVersion=0', '?labelSelector=app%3Dweb,tier!=db', '?a=b+c', '?fieldSelector=metadata.name=x&limit=500', "?q='x'", '?q="x"', '?q=a b', '?q=<x>', '?q=1#frag', '?q=ü', '?a=1&a=2&dryRun=All', '?x=%zz', '?x=a?b', '?x=[1]'];
  for (const p of paths) {
    for (const q of queries) {
      const raw = p + q;
      let expected: { pathname: string; search: string } | string;
      try {
        const u = new URL(raw, 'https://x');
        expected = { pathname: u.pathname, search: [...u.searchParams].map(([k, v]) => `${k}=${v}`).join('&') };
      } catch (e) {
        expected = String(e);
      }
      let actual: { pathname: string; search: string } | string;
      try {
        const u = splitUrl(raw);
        actual = { pathname: u.pathname, search: [...u.searchParams].map(([k, v]) => `${k}=${v}`).join('&') };
      } catch (e) {
        actual = String(e);
      }
      assert.deepEqual(actual, expected, raw);
    }
  }
});
