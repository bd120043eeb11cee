import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isTempName, tempName } from '../src/tree/temp.js';

test('a temporary name stays within 255 bytes even for a 255-byte name of 3-byte characters', () => {
  const name = '名'.repeat(85);
  const temp = tempName(name, 4_194_304, 12, 99_999);
  assert.ok(Buffer.byteLength(temp) <= 255, `${Buffer.byteLength(temp)} bytes`);
  assert.ok(temp.startsWith(`.${'名'.repeat(40)}.`), 'cut on a character boundary');
  assert.ok(isTempName(temp));
});

test('short names are kept whole; only our pattern is recognised', () => {
  assert.is(tempName('a.txt', 1, 0, 2), '.a.txt.1-0-2.replisync-tmp');
  assert.not.ok(isTempName('.a.txt.replisync-tmp'));
  assert.not.ok(isTempName('a.txt.1-0-2.replisync-tmp'));
});

test.run();
