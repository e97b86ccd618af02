import assert from 'node:assert/strict';
import { it } from 'node:test';
import { verifyStandardWebhook } from '../../test/support/webhook-receiver.ts';
import { isWebhookSecret, newWebhookSecret, signatureHeaders } from './webhook-signature.ts';

it('signs the way the Standard Webhooks reference verification expects', () => {
  const secret = newWebhookSecret();
  assert.equal(isWebhookSecret(secret), true);
  const body = JSON.stringify({ type: 'call.ringing', data: { n: 'Müller' } });
  const ts = Math.floor(Date.now() / 1000);
  const headers = signatureHeaders(secret, 'msg_1', ts, body);
  verifyStandardWebhook(secret, headers, body);
  assert.throws(() => verifyStandardWebhook(newWebhookSecret(), headers, body), /no matching signature/);
  assert.throws(() => verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body), /no matching signature/);
  assert.throws(() => verifyStandardWebhook(secret, signatureHeaders(secret, 'msg_1', ts - 600, body), body), /tolerance/);
});

it('matches a known vector', () => {
  // The example of the Standard Webhooks reference libraries' tests; checked with openssl:
  // printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<hex of the base64 part> -binary | base64
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const headers = signatureHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
  assert.equal(headers['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});
