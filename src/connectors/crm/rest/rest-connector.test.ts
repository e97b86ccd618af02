import assert from 'node:assert/strict';
import { it } from 'node:test';
import { phoneForms } from '../phone-forms.ts';
import { readPath } from './json-path.ts';
import { restType } from './rest-connector.ts';
import { compileCrmTemplate, renderCrmTemplate } from './rest-template.ts';
import { formatNumber, hhmmss, mmss } from './rest-variables.ts';

it('reads JSON paths, taking the first element of arrays met on the way', () => {
  const propstack = { data: [{ id: 7, first_name: 'Erika', office_phone: '' }], meta: {} };
  assert.equal(readPath(propstack, 'data.id'), '7');
  assert.equal(readPath(propstack, 'data.first_name'), 'Erika');
  assert.equal(readPath(propstack, 'data.office_phone'), null, 'empty text is no value');
  assert.equal(readPath({ data: [] }, 'data.id'), null);
  assert.equal(readPath({ results: [{ id: 'a' }, { id: 'b' }] }, 'results.1.id'), 'b');
  assert.equal(readPath({ p: { phones: [{ value: '+1' }, { value: '+2' }] } }, 'p.phones'), '+1, +2');
  assert.equal(readPath({ a: { constructor: 1 } }, 'a.__proto__'), null);
});

it('formats numbers and durations as CRMs want them', () => {
  const f = phoneForms('+49301234567');
  assert.deepEqual(['e164', 'national', 'digits', 'national_digits', 'last_n'].map((k) => formatNumber(f, k as 'e164', 7)), ['+49301234567', '030 1234567', '49301234567', '0301234567', '1234567']);
  assert.deepEqual([mmss(125), mmss(0), mmss(4500), hhmmss(3725)], ['02:05', '00:00', '75:00', '01:02:05']);
});

it('templates escape by destination and refuse unknown variables', () => {
  const json = compileCrmTemplate('{"name":"${subject}","n":${duration}}', 'json');
  assert.ok(json.ok);
  const vars = { subject: 'Anruf von "Ärger" \\ GmbH', duration: '5' } as never;
  assert.deepEqual(JSON.parse(renderCrmTemplate(json.template, vars)), { name: 'Anruf von "Ärger" \\ GmbH', n: 5 });
  const url = compileCrmTemplate('/x?q=${number}', 'url');
  assert.ok(url.ok);
  assert.equal(renderCrmTemplate(url.template, { number: '+49 30&x' } as never), '/x?q=%2B49%2030%26x');
  const bad = compileCrmTemplate('${password}', 'text');
  assert.deepEqual(bad, { ok: false, error: 'uses unknown variable ${password}' });
});

it('options: auth needs its fields; a bad template is named by its field', () => {
  assert.deepEqual(restType.check({ baseUrl: 'https://crm.example', authType: 'bearer' }), { ok: false, field: '/token', message: 'token is required for authType=bearer' });
  assert.equal(restType.check({ baseUrl: 'https://api.propstack.de', preset: 'propstack', apiKey: 'k' }).ok, true);
  const bad = restType.check({ baseUrl: 'https://crm.example', journal: { inbound_missed: { method: 'POST', url: '/c', body: '{% if %}' } } });
  assert.equal(bad.ok === false && bad.field, '/journal/inbound_missed/body');
});

it('sends form-encoded journaling with basic auth, through the guarded dispatcher', async () => {
  const { createServer } = await import('node:http');
  const { SafeDispatchers } = await import('../../../delivery/safe-dispatcher.ts');
  const seen: Array<{ method?: string; url?: string; auth?: string; type?: string; body: string }> = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body });
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"act-1"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dispatchers = new SafeDispatchers();
  try {
    const port = (server.address() as { port: number }).port;
    const options = { baseUrl: `http://127.0.0.1:${port}`, authType: 'basic', username: 'cb', password: 'pw', journal: { inbound_answered: { method: 'POST', url: '/activities/${agent}', encoding: 'form', params: { phone: '${number_national}', talk: '${duration_hhmmss}', note: '${subject}' } } } };
    const checked = restType.check(options);
    assert.ok(checked.ok);
    const connector = restType.create(checked.options, { dispatchers, allowList: ['127.0.0.1'] });
    const activity = {
      callId: 'c1', kind: 'inbound_answered', direction: 'inbound', answered: true, number: '+49301234567', forms: phoneForms('+49301234567'), from: '+49301234567', to: '+49302000100',
      extension: '201', crmUserId: null, callerName: 'Ärger & Co', startedAt: '2026-11-24T14:00:00.000Z', answeredAt: '2026-11-24T14:00:04.000Z', endedAt: '2026-11-24T14:02:09.000Z',
      durationSeconds: 125, hangupCause: 'normal', language: 'de', journalUnknown: true, createAccountForUnknown: false,
    } as const;
    assert.deepEqual(await connector.logCall(activity, AbortSignal.timeout(5_000)), { outcome: 'logged', externalId: 'act-1' });
    assert.deepEqual(seen, [{ method: 'POST', url: '/activities/201', auth: `Basic ${Buffer.from('cb:pw').toString('base64')}`, type: 'application/x-www-form-urlencoded', body: 'phone=030+1234567&talk=00%3A02%3A05&note=Anruf+von+%C3%84rger+%26+Co' }]);
    await assert.rejects(restType.create(checked.options, { dispatchers, allowList: [] }).logCall(activity, AbortSignal.timeout(5_000)), { name: 'CrmError', kind: 'blocked' });
    assert.equal(seen.length, 1, 'a refused address is never contacted');
  } finally {
    await dispatchers.close();
    server.close();
  }
});
