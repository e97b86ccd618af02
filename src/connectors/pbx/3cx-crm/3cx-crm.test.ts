/**
 * The 3CX CRM integration: the pure readers (durations, times, truncated numbers, ReportCall), the
 * template parsed back, and the endpoints on a real app (both databases) called the way the 3CX
 * server calls them with our template: GET with the number/e-mail/search text in the query as 3CX
 * formats it (`+` unencoded), POST with a JSON body of the template's PostValues, `X-API-Key` header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, openApp, type TestApp } from '../../../../test/support/app.ts';
import { forEachDialect } from '../../../../test/support/databases.ts';
import { classifySearchedNumber, readNewContact, splitName } from './3cx-crm-mapping.ts';
import { parseDuration, parseThreeCxTime, readReportCall, reportCallEvents, reportCallId, type ThreeCxReport } from './3cx-report-call.ts';
import { CREATE_CONTACT_VALUES, REPORT_CALL_VALUES, THREECX_PATHS, THREECX_SCENARIOS, renderThreeCxTemplate, xmlEscape } from './3cx-crm-template.ts';

// ---------------------------------------------------------------------------------------------------
// A small XML reader for checking the template: well-formedness, entities, no DTDs.

type XmlNode = { name: string; attrs: Record<string, string>; children: XmlNode[]; text: string };

function decode(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos);)/.test(s)) throw new Error(`bad entity in ${JSON.stringify(s)}`);
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}

function parseXml(xml: string): XmlNode {
  let i = 0;
  const fail = (m: string) => {
    throw new Error(`${m} at ${i}: ${xml.slice(i, i + 40)}`);
  };
  const decl = /^<\?xml [^?]*\?>\s*/.exec(xml);
  if (!decl) fail('no XML declaration');
  i = decl![0].length;
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z][\w.-]*)\s*>/.exec(xml.slice(i));
      if (!m) fail('bad end tag');
      const open = stack.pop()!;
      if (open.name !== m![1]) fail(`</${m![1]}> closes <${open.name}>`);
      i += m![0].length;
    } else if (xml[i] === '<') {
      const m = /^<([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.:-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/.exec(xml.slice(i));
      if (!m) fail('bad start tag');
      const attrs: Record<string, string> = {};
      for (const a of m![2].matchAll(/([A-Za-z][\w.:-]*)\s*=\s*"([^"<]*)"/g)) {
        if (Object.hasOwn(attrs, a[1])) fail(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2]);
      }
      const node: XmlNode = { name: m![1], attrs, children: [], text: '' };
      stack[stack.length - 1].children.push(node);
      if (!m![3]) stack.push(node);
      i += m![0].length;
    } else {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end < 0 ? xml.length : end);
      if (raw.includes('>')) fail('raw > in text');
      if (stack.length === 1 && raw.trim()) fail('text outside the root');
      stack[stack.length - 1].text += decode(raw);
      i += raw.length;
    }
  }
  if (stack.length !== 1) fail(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) fail('not exactly one root element');
  return root.children[0];
}

const child = (n: XmlNode, name: string) => n.children.find((c) => c.name === name);
const children = (n: XmlNode, name: string) => n.children.filter((c) => c.name === name);

// ---------------------------------------------------------------------------------------------------

describe('3CX CRM mapping', () => {
  it('reads [Duration] as hh:mm:ss, with days, fractions, long hours, or plain seconds', () => {
    assert.equal(parseDuration('00:02:05'), 125);
    assert.equal(parseDuration('01:00:00'), 3600);
    assert.equal(parseDuration('26:00:01'), 93601);
    assert.equal(parseDuration('1.02:03:04'), 93784);
    assert.equal(parseDuration('00:02:05.1234567'), 125);
    assert.equal(parseDuration('02:05'), 125);
    assert.equal(parseDuration('125'), 125);
    assert.equal(parseDuration('00:61:00'), null);
    assert.equal(parseDuration('two minutes'), null);
    assert.equal(parseDuration(''), null);
  });

  it('reads times as the template formats them and as .NET prints them unformatted', () => {
    assert.equal(parseThreeCxTime('2026-11-21T10:00:00Z'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('2026-11-21T11:00:00+01:00'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('2026-11-21 10:00:00'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('11/21/2026 10:00:00'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('11/21/2026 1:02:03 PM'), '2026-11-21T13:02:03.000Z');
    assert.equal(parseThreeCxTime('11/21/2026 12:00:00 AM'), '2026-11-21T00:00:00.000Z');
    assert.equal(parseThreeCxTime('21.11.2026 10:00:00'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('21/11/2026 10:00:00'), '2026-11-21T10:00:00.000Z');
    assert.equal(parseThreeCxTime('1795255200000'), '2026-11-21T10:00:00.000Z');
    // DateTime.MinValue: no established time on a missed call.
    assert.equal(parseThreeCxTime('0001-01-01T00:00:00Z'), null);
    assert.equal(parseThreeCxTime('1/1/0001 12:00:00 AM'), null);
    assert.equal(parseThreeCxTime('31.02.2026 10:00:00'), null);
    assert.equal(parseThreeCxTime('yesterday'), null);
  });

  it('tells whole numbers from the last MaxLength digits', () => {
    assert.deepEqual(classifySearchedNumber(' 49301234567'), { kind: 'full', text: '+49301234567' }); // + decoded as a space
    assert.deepEqual(classifySearchedNumber('+49 30 1234567'), { kind: 'full', text: '+49 30 1234567' });
    assert.deepEqual(classifySearchedNumber('0049301234567'), { kind: 'full', text: '0049301234567' });
    assert.deepEqual(classifySearchedNumber('0301234567'), { kind: 'full', text: '0301234567' });
    assert.deepEqual(classifySearchedNumber('301234567'), { kind: 'digits', digits: '301234567' });
    assert.deepEqual(classifySearchedNumber('49301234567'), { kind: 'digits', digits: '49301234567' }); // Prefix="Off"
    assert.deepEqual(classifySearchedNumber('201'), { kind: 'full', text: '201' });
    assert.deepEqual(classifySearchedNumber(''), { kind: 'empty' });
  });

  it('splits names for FirstName/LastName and leaves company entries to CompanyName', () => {
    assert.deepEqual(splitName({ name: 'Erika Maria Mustermann', kind: 'person' }), { firstName: 'Erika Maria', lastName: 'Mustermann' });
    assert.deepEqual(splitName({ name: 'Cher', kind: 'person' }), { firstName: '', lastName: 'Cher' });
    assert.deepEqual(splitName({ name: 'Muster GmbH', kind: 'company' }), { firstName: '', lastName: '' });
  });

  it('reads CreateContactRecordFromClient bodies and refuses nameless ones', () => {
    const read = readNewContact({ FirstName: 'Max', LastName: 'Muster', Company: '', Email: 'max@example.com', Number: ' 4917112345678' });
    assert.deepEqual(read, { ok: true, contact: { name: 'Max Muster', company: null, email: 'max@example.com', numbers: [{ number: '+4917112345678', type: 'business' }] } });
    assert.deepEqual(readNewContact({ FirstName: '', LastName: '', Number: '123' }), { ok: false, field: '/LastName', message: 'FirstName, LastName or Company is needed' });
  });

  const missed = {
    CallType: 'Missed',
    CallDirection: 'Inbound',
    Number: '+4930555123',
    Agent: '201',
    AgentFirstName: 'Anna',
    AgentLastName: 'Agent',
    QueueExtension: '[QueueExtension]',
    Duration: '00:00:00',
    DateTime: '11/21/2026 11:00:00',
    CallStartTimeUTC: '2026-11-21T10:00:00Z',
    CallEstablishedTimeUTC: '0001-01-01T00:00:00Z',
    CallEndTimeUTC: '2026-11-21T10:00:25Z',
  };

  it('reads a Missed report: inbound, not answered, unresolved variables as empty', () => {
    const read = readReportCall(missed);
    assert.ok(read.ok);
    assert.deepEqual(read.report, {
      callType: 'Missed',
      direction: 'inbound',
      number: '+4930555123',
      agent: '201',
      agentName: 'Anna Agent',
      queue: null,
      talkSeconds: 0,
      startedAt: '2026-11-21T10:00:00.000Z',
      answeredAt: null,
      endedAt: '2026-11-21T10:00:25.000Z',
      entityId: null,
    });
    const events = reportCallEvents(read.report);
    assert.deepEqual(events.map((e) => [e.type, e.at, e.cause]), [
      ['ringing', '2026-11-21T10:00:00.000Z', null],
      ['ended', '2026-11-21T10:00:25.000Z', 'noAnswer'],
    ]);
    assert.equal(events[0].from, '+4930555123');
    assert.equal(events[0].to, '201');
  });

  it('derives answer and end from the duration when 3CX gives only the start', () => {
    const read = readReportCall({ CallType: 'Outbound', Number: '0301234567', Agent: '202', Duration: '00:02:05', CallStartTimeUTC: '2026-11-21T10:00:00Z' });
    assert.ok(read.ok);
    assert.equal(read.report.direction, 'outbound');
    assert.equal(read.report.answeredAt, '2026-11-21T10:00:00.000Z');
    assert.equal(read.report.endedAt, '2026-11-21T10:02:05.000Z');
    const events = reportCallEvents(read.report);
    assert.deepEqual(events.map((e) => e.type), ['ringing', 'answered', 'ended']);
    assert.equal(events[2].cause, 'normal');
    assert.equal(events[0].from, '202');
    assert.equal(events[0].to, '0301234567');
  });

  it('refuses reports it cannot place, naming the field', () => {
    assert.deepEqual(readReportCall({ ...missed, CallType: 'Internal' }), { ok: false, field: '/CallType', message: 'CallType must be one of Inbound, Outbound, Missed, Notanswered' });
    assert.deepEqual(readReportCall({ ...missed, Number: '' }), { ok: false, field: '/Number', message: 'Number is required' });
    assert.deepEqual(readReportCall({ ...missed, Duration: 'long' }), { ok: false, field: '/Duration', message: 'Duration must be hh:mm:ss' });
    // Found by the fault suite's fuzzing: a huge number of seconds made the end time an invalid date (500).
    for (const Duration of ['9007199254740991', '168:00:01', '7.00:00:01']) {
      assert.deepEqual(readReportCall({ ...missed, Duration }), { ok: false, field: '/Duration', message: 'Duration must be at most 7 days (168:00:00)' }, Duration);
    }
    assert.equal(readReportCall({ ...missed, Duration: '168:00:00' }).ok, true);
    assert.equal(readReportCall({ ...missed, CallStartTimeUTC: 'soon' }).ok, false);
    assert.equal(readReportCall({ CallType: 'Missed', Number: '123456' }).ok, false);
    assert.equal(readReportCall('CallType=Missed').ok, false);
  });

  it('gives one call id per start second, agent, number and direction', () => {
    const base: Pick<ThreeCxReport, 'startedAt' | 'agent' | 'number' | 'direction'> = { startedAt: '2026-11-21T10:00:00.000Z', agent: '201', number: '+49 30 555123', direction: 'inbound' };
    assert.equal(reportCallId(base), reportCallId({ ...base, number: '+4930555123' }));
    assert.notEqual(reportCallId(base), reportCallId({ ...base, agent: '202' }));
    assert.notEqual(reportCallId(base), reportCallId({ ...base, startedAt: '2026-11-21T10:00:01.000Z' }));
    assert.notEqual(reportCallId(base), reportCallId({ ...base, direction: 'outbound' }));
    assert.doesNotMatch(reportCallId(base), /555123/);
  });
});

describe('3CX CRM template', () => {
  const xml = renderThreeCxTemplate({ baseUrl: 'https://cb.example.com/', country: 'DE', name: 'Callbridge <Test> & "Co"' });
  const crm = parseXml(xml);
  const scenarios = children(child(crm, 'Scenarios')!, 'Scenario');
  const byId = new Map(scenarios.map((s) => [s.attrs.Id, s]));

  it('is well-formed, with the root attributes 3CX requires', () => {
    assert.equal(crm.name, 'Crm');
    assert.equal(crm.attrs.Name, 'Callbridge <Test> & "Co"');
    assert.match(xml, /Name="Callbridge &lt;Test&gt; &amp; &quot;Co&quot;"/);
    assert.equal(crm.attrs.Country, 'DE');
    assert.deepEqual(child(crm, 'Number')!.attrs, { Prefix: 'AsIs', MaxLength: '[MaxLength]' });
    assert.deepEqual(children(child(crm, 'Parameters')!, 'Parameter').map((p) => p.attrs.Name), ['ApiKey', 'MaxLength', 'ReportCallEnabled']);
    assert.equal(child(crm, 'Authentication')!.attrs.Type, 'No');
  });

  it('has every scenario, pointing at this server with the key header', () => {
    assert.deepEqual(scenarios.map((s) => s.attrs.Id), [...THREECX_SCENARIOS]);
    const url = (id: string) => child(byId.get(id)!, 'Request')!.attrs.Url;
    assert.equal(url(''), `https://cb.example.com${THREECX_PATHS.lookup}?number=[Number]`);
    assert.equal(url('LookupByEmail'), `https://cb.example.com${THREECX_PATHS.lookupByEmail}?email=[Email]`);
    assert.equal(url('SearchContacts'), `https://cb.example.com${THREECX_PATHS.search}?q=[SearchText]`);
    assert.equal(url('CreateContactRecordFromClient'), `https://cb.example.com${THREECX_PATHS.contacts}`);
    assert.equal(url('ReportCall'), `https://cb.example.com${THREECX_PATHS.reportCall}`);
    for (const s of scenarios) {
      const request = child(s, 'Request')!;
      const header = child(child(request, 'Headers')!, 'Value')!;
      assert.deepEqual([header.attrs.Key, header.text], ['X-API-Key', '[ApiKey]']);
      assert.equal(request.attrs.RequestType, child(request, 'PostValues') ? 'Post' : 'Get');
    }
  });

  it('maps the contact reply to 3CX outputs and posts the ReportCall variables, escaped', () => {
    const lookup = byId.get('')!;
    assert.equal(child(child(lookup, 'Rules')!, 'Rule')!.text, 'contacts.id');
    const outputs = Object.fromEntries(children(child(lookup, 'Outputs')!, 'Output').map((o) => [o.attrs.Type, o.attrs.Value]));
    assert.equal(outputs.ContactUrl, '[CbContactUrl]');
    assert.equal(outputs.PhoneBusiness, '[CbPhoneBusiness]');
    assert.equal(outputs.EntityType, 'Contacts');
    const report = child(byId.get('ReportCall')!, 'Request')!;
    assert.equal(report.attrs.SkipIf, '[ReportCallEnabled]!=True');
    const values = children(child(report, 'PostValues')!, 'Value').map((v) => [v.attrs.Key, v.text]);
    assert.deepEqual(values, REPORT_CALL_VALUES.map(([k, v]) => [k, v]));
    assert.ok(values.some(([, v]) => v === '[[CallStartTimeUTC].ToString("yyyy-MM-ddTHH:mm:ssZ")]'));
    assert.match(xml, /\[\[CallStartTimeUTC\]\.ToString\(&quot;yyyy-MM-ddTHH:mm:ssZ&quot;\)\]/);
    const create = children(child(child(byId.get('CreateContactRecordFromClient')!, 'Request')!, 'PostValues')!, 'Value').map((v) => v.attrs.Key);
    assert.deepEqual(create, CREATE_CONTACT_VALUES.map(([k]) => k));
  });

  it('escapes everything XML needs escaped and drops what it cannot carry', () => {
    assert.equal(xmlEscape(`a&b<c>"d"'e'\u0001`), 'a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;');
    assert.throws(() => parseXml('<?xml version="1.0"?><a><b></a>'));
    assert.throws(() => parseXml('<?xml version="1.0"?><a x="1 & 2"/>'));
  });
});

// ---------------------------------------------------------------------------------------------------

forEachDialect('3CX CRM endpoints', (dialect) => {
  let t: TestApp;
  let erika: string;
  let company: string;
  before(async () => {
    t = await openApp(dialect);
    const contact = async (body: object) => (await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: auth(t.keys.admin), payload: body })).json().id as string;
    erika = await contact({ name: 'Erika Mustermann', company: 'Muster GmbH', numbers: [{ number: '030 1234567', type: 'business' }, { number: '0171 9876543', type: 'mobile' }], emails: ['erika@muster.example'] });
    company = await contact({ name: 'Beispiel AG', company: 'Beispiel AG', kind: 'company', numbers: [{ number: '+49 89 445566-0', type: 'business' }] });
  });
  after(() => t.close());

  const key = () => ({ 'x-api-key': t.keys.agent });
  const get = (url: string, headers: Record<string, string> = key()) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, body: object, headers: Record<string, string> = key()) =>
    t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(body) });

  it('finds a caller by the whole number in every prefix form and echoes the searched number', async () => {
    for (const number of ['+49301234567', '00491719876543', '0301234567']) {
      // 3CX puts [Number] into the URL as is: a + arrives as a space.
      const res = await get(`${THREECX_PATHS.lookup}?number=${number}`);
      assert.equal(res.statusCode, 200);
      const [c] = res.json().contacts;
      assert.equal(c.id, erika, number);
      assert.equal(c.firstName, 'Erika');
      assert.equal(c.lastName, 'Mustermann');
      assert.equal(c.company, 'Muster GmbH');
      assert.equal(c.email, 'erika@muster.example');
      assert.equal(c.entityType, 'Contacts');
      assert.match(c.contactUrl, new RegExp(`^http://localhost(:\\d+)?/api/v1/contacts/${erika}$`));
      const echoed = number.startsWith('0049171') ? c.phoneMobile : c.phoneBusiness;
      assert.equal(echoed, number);
    }
  });

  it('finds a caller by the last MaxLength digits, and answers an unknown number with an empty list', async () => {
    const byDigits = (await get(`${THREECX_PATHS.lookup}?number=9876543`)).json().contacts;
    assert.deepEqual(byDigits.map((c: any) => [c.id, c.phoneMobile]), [[erika, '9876543']]);
    const tenDigits = (await get(`${THREECX_PATHS.lookup}?number=301234567`)).json().contacts;
    assert.deepEqual(tenDigits.map((c: any) => [c.id, c.phoneBusiness]), [[erika, '301234567']]);
    const none = await get(`${THREECX_PATHS.lookup}?number=%2B4940111222333`);
    assert.equal(none.statusCode, 200);
    assert.deepEqual(none.json(), { contacts: [] });
    assert.deepEqual((await get(`${THREECX_PATHS.lookup}?number=`)).json(), { contacts: [] });
  });

  it('gives the company entry for an unknown extension behind a known switchboard', async () => {
    const [c] = (await get(`${THREECX_PATHS.lookup}?number=+4989445566123`)).json().contacts;
    assert.equal(c.id, company);
    assert.equal(c.company, 'Beispiel AG');
    assert.equal(c.phoneBusiness, '+4989445566123');
  });

  it('looks up by e-mail and searches by text', async () => {
    const byMail = (await get(`${THREECX_PATHS.lookupByEmail}?email=Erika@Muster.example`)).json().contacts;
    assert.deepEqual(byMail.map((c: any) => [c.id, c.phoneBusiness, c.phoneMobile]), [[erika, '+49301234567', '+491719876543']]);
    assert.deepEqual((await get(`${THREECX_PATHS.lookupByEmail}?email=nobody@example.com`)).json(), { contacts: [] });
    const found = (await get(`${THREECX_PATHS.search}?q=muster`)).json().contacts;
    assert.deepEqual(found.map((c: any) => c.id), [erika]);
    assert.deepEqual((await get(`${THREECX_PATHS.search}?q=`)).json(), { contacts: [] });
  });

  it('creates a contact from the 3CX client, then finds it', async () => {
    const res = await post(THREECX_PATHS.contacts, { FirstName: 'Max', LastName: 'Neu', Company: 'Neu KG', Email: 'max@neu.example', Number: '+49 40 7654321' });
    assert.equal(res.statusCode, 200);
    const [c] = res.json().contacts;
    assert.deepEqual([c.firstName, c.lastName, c.company, c.email, c.phoneBusiness], ['Max', 'Neu', 'Neu KG', 'max@neu.example', '+49 40 7654321']);
    const [found] = (await get(`${THREECX_PATHS.lookup}?number=+49407654321`)).json().contacts;
    assert.equal(found.id, c.id);
    const bad = await post(THREECX_PATHS.contacts, { FirstName: 'X', LastName: 'Y', Number: 'abc' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(bad.json().code, 'CB_VALIDATION');
  });

  const callBy = async (pbxCallId: string) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/calls?limit=500', headers: auth(t.keys.admin) });
    return res.json().items.filter((c: any) => c.pbxCallId === pbxCallId);
  };

  /** A ReportCall body exactly as our template's PostValues render it. */
  const report = (over: Record<string, string>) => ({
    CallType: 'Inbound',
    CallDirection: 'Inbound',
    Number: '+49301234567',
    Name: 'Erika Mustermann',
    EntityId: '',
    EntityType: '',
    QueueExtension: '',
    Agent: '201',
    AgentFirstName: 'Anna',
    AgentLastName: 'Agent',
    AgentEmail: 'anna@example.com',
    Duration: '00:02:05',
    DateTime: '11/21/2026 11:00:00',
    CallStartTimeUTC: '2026-11-21T10:00:00Z',
    CallEstablishedTimeUTC: '2026-11-21T10:00:07Z',
    CallEndTimeUTC: '2026-11-21T10:02:12Z',
    ...over,
  });

  it('journals an answered inbound call once, however often 3CX reports it', async () => {
    const first = await post(THREECX_PATHS.reportCall, report({}));
    assert.equal(first.statusCode, 200);
    const { callId, duplicate } = first.json();
    assert.equal(duplicate, false);
    const again = await post(THREECX_PATHS.reportCall, report({}));
    assert.deepEqual(again.json(), { ok: true, callId, duplicate: true });
    const calls = await callBy(callId);
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.equal(call.direction, 'inbound');
    assert.equal(call.outcome, 'answered');
    assert.equal(call.state, 'ended');
    assert.equal(call.talkSeconds, 125);
    assert.equal(call.ringSeconds, 7);
    assert.equal(call.answeredBy, '201');
    assert.equal(call.from.e164, '+49301234567');
    assert.equal(call.startedAt, '2026-11-21T10:00:00.000Z');
  });

  it('journals Missed as a missed inbound call and Notanswered as an unanswered outbound one', async () => {
    const missed = (await post(THREECX_PATHS.reportCall, report({ CallType: 'Missed', Duration: '00:00:00', CallEstablishedTimeUTC: '0001-01-01T00:00:00Z', CallEndTimeUTC: '2026-11-21T11:00:30Z', CallStartTimeUTC: '2026-11-21T11:00:00Z' }))).json();
    const [m] = await callBy(missed.callId);
    assert.deepEqual([m.direction, m.outcome, m.answeredAt, m.talkSeconds ?? 0], ['inbound', 'missed', null, 0]);
    const out = (await post(THREECX_PATHS.reportCall, report({ CallType: 'Notanswered', CallDirection: 'Outbound', Duration: '00:00:00', CallEstablishedTimeUTC: '', CallStartTimeUTC: '2026-11-21T12:00:00Z', CallEndTimeUTC: '2026-11-21T12:00:20Z' }))).json();
    const [o] = await callBy(out.callId);
    assert.deepEqual([o.direction, o.outcome, o.answeredAt], ['outbound', 'missed', null]);
    assert.equal(o.to.e164, '+49301234567');
  });

  it('refuses a report it cannot read, as problem+json naming the field', async () => {
    const res = await post(THREECX_PATHS.reportCall, report({ CallType: 'Voicemail' }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().field, '/CallType');
  });

  it('takes the key as X-API-Key, Bearer, Basic or ?key=, and only with role agent or admin', async () => {
    const url = `${THREECX_PATHS.lookup}?number=0301234567`;
    assert.equal((await get(url, {})).statusCode, 401);
    assert.equal((await get(url, { 'x-api-key': 'cb_0123456789_' + 'a'.repeat(32) })).statusCode, 401);
    assert.equal((await get(url, { 'x-api-key': t.keys.ingest })).statusCode, 403);
    assert.equal((await get(url, auth(t.keys.admin))).statusCode, 200);
    assert.equal((await get(url, { authorization: 'Basic ' + Buffer.from(`3cx:${t.keys.agent}`).toString('base64') })).statusCode, 200);
    assert.equal((await get(`${url}&key=${t.keys.agent}`, {})).statusCode, 200);
    // Another tenant's key sees none of this tenant's contacts.
    assert.deepEqual((await get(url, { 'x-api-key': t.keys.otherTenantAdmin })).json(), { contacts: [] });
  });

  it('serves a ready-to-import template for this server or a given base URL', async () => {
    const here = await get(THREECX_PATHS.template);
    assert.equal(here.statusCode, 200);
    assert.match(here.headers['content-type'] as string, /^application\/xml/);
    const crm = parseXml(here.body);
    const urls = children(child(crm, 'Scenarios')!, 'Scenario').map((s) => child(s, 'Request')!.attrs.Url);
    assert.ok(urls.every((u) => u.startsWith('http://localhost')), urls.join(' '));
    const there = parseXml((await get(`${THREECX_PATHS.template}?baseUrl=${encodeURIComponent('https://cb.example.com/')}`)).body);
    assert.equal(child(children(child(there, 'Scenarios')!, 'Scenario')[4], 'Request')!.attrs.Url, `https://cb.example.com${THREECX_PATHS.reportCall}`);
    assert.equal(there.attrs.Country, 'DE');
    const bad = await get(`${THREECX_PATHS.template}?baseUrl=${encodeURIComponent('javascript:alert(1)')}`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/baseUrl');
  });
});
