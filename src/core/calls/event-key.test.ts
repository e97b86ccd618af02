import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventKey } from './event-key.ts';

describe('eventKey', () => {
  it('uses the sender-given id, scoped by source', () => {
    assert.equal(eventKey('api', 'evt-1', ['ignored']), 'api:id:evt-1');
    assert.notEqual(eventKey('api', 'evt-1', []), eventKey('cti', 'evt-1', []));
  });

  it('hashes the identifying parts when there is no id', () => {
    const key = eventKey('cti', null, ['ringing', 'c1', '2026-01-05T09:00:00.000Z']);
    assert.match(key, /^cti:h:[A-Za-z0-9_-]{32}$/);
    assert.equal(eventKey('cti', undefined, ['ringing', 'c1', '2026-01-05T09:00:00.000Z']), key);
    assert.equal(eventKey('cti', '', ['ringing', 'c1', '2026-01-05T09:00:00.000Z']), key);
  });

  it('the same event maps to the same key; any differing part to another', () => {
    const parts = ['answered', 'c1', '201', '2026-01-05T09:00:05.000Z'];
    assert.equal(eventKey('api', null, [...parts]), eventKey('api', null, parts));
    assert.notEqual(eventKey('api', null, ['answered', 'c1', '202', '2026-01-05T09:00:05.000Z']), eventKey('api', null, parts));
    assert.notEqual(eventKey('placetel', null, parts), eventKey('api', null, parts));
  });

  it('keeps part boundaries: moving text between parts changes the key', () => {
    assert.notEqual(eventKey('api', null, ['ab', 'c']), eventKey('api', null, ['a', 'bc']));
    assert.notEqual(eventKey('api', null, ['a', '']), eventKey('api', null, ['a']));
  });

  it('treats null and undefined parts as empty', () => {
    assert.equal(eventKey('api', null, ['a', null, 'b']), eventKey('api', null, ['a', undefined, 'b']));
    assert.equal(eventKey('api', null, ['a', null]), eventKey('api', null, ['a', '']));
  });
});
