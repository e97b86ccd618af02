import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { verifyPlacetelSignature } from './placetel-signature.ts';

// The worked example from https://github.com/Placetel/call-control-notify-api (README, "Our POST request").
const SECRET = '12345';
const PAYLOAD = 'call_id=4a4cbb39578170aed9a2761a7bec8c7e704a541f52291ef603d6f5f152980c3c&event=CallAccepted&from=0123456789&to=0987654321';
const SIGNATURE = 'c4f823c5b8806432fe2b83b1fc2ee714422e0cdfb4b5129152a7d0bbcd7792d0';

describe('Placetel signature', () => {
  it('accepts the documented example, as a string or as raw bytes', () => {
    assert.equal(verifyPlacetelSignature(PAYLOAD, SIGNATURE, SECRET), true);
    assert.equal(verifyPlacetelSignature(Buffer.from(PAYLOAD), SIGNATURE, SECRET), true);
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    assert.equal(verifyPlacetelSignature(PAYLOAD, SIGNATURE.toUpperCase(), SECRET), true);
    assert.equal(verifyPlacetelSignature(PAYLOAD, ` ${SIGNATURE}\n`, SECRET), true);
  });

  it('signs the bytes as sent: a non-ASCII body is not re-encoded', () => {
    const body = Buffer.from('event=IncomingCall&from=M%C3%BCller', 'utf8');
    const header = createHmac('sha256', SECRET).update(body).digest('hex');
    assert.equal(verifyPlacetelSignature(body, header, SECRET), true);
    assert.equal(verifyPlacetelSignature(Buffer.concat([body, Buffer.from(' ')]), header, SECRET), false);
  });

  it('rejects a changed body, another secret or another signature', () => {
    assert.equal(verifyPlacetelSignature(PAYLOAD.replace('CallAccepted', 'HungUp'), SIGNATURE, SECRET), false);
    assert.equal(verifyPlacetelSignature(PAYLOAD, SIGNATURE, '123456'), false);
    assert.equal(verifyPlacetelSignature(PAYLOAD, SIGNATURE.replace(/.$/, '1'), SECRET), false);
  });

  it('rejects a missing or malformed header', () => {
    const base64 = Buffer.from(SIGNATURE, 'hex').toString('base64');
    for (const header of [undefined, '', base64, `sha256=${SIGNATURE}`, SIGNATURE.slice(0, 62), `${SIGNATURE}00`, 'z'.repeat(64)]) {
      assert.equal(verifyPlacetelSignature(PAYLOAD, header, SECRET), false, String(header));
    }
  });

  it('rejects everything when no secret is configured, even a signature made with the empty key', () => {
    const emptyKeySignature = createHmac('sha256', '').update(PAYLOAD).digest('hex');
    assert.equal(verifyPlacetelSignature(PAYLOAD, emptyKeySignature, ''), false);
  });
});
