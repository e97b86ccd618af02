/**
 * A throw-away OpenLDAP server for tests (`/usr/sbin/slapd`, Debian package `slapd`; `slapadd` seeds
 * it offline before it starts). The database, config, optional TLS certificate and logs live in a
 * temp dir that `stop()` deletes. slapd runs in the foreground (`-d 0`), so killing the child stops it.
 *
 * The config: the core, cosine, inetorgperson and nis schemas, one mdb database, a root DN with a
 * plain password, and limits that let the root DN page through any number of entries while everyone
 * else gets at most `sizeLimit` entries per search (so an unpaged reader over a big tree fails).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const INSTALL_HINT = 'Install it: apt-get install -y slapd ldap-utils';

export type TestSlapd = {
  /** `ldap://127.0.0.1:<port>` */
  readonly url: string;
  /** `ldaps://127.0.0.1:<port>` when started with `tls: true`. */
  readonly ldapsUrl: string | null;
  /** PEM file of the self-signed CA/server certificate when started with `tls: true`. */
  readonly caFile: string | null;
  readonly suffix: string;
  readonly rootDn: string;
  readonly rootPassword: string;
  /** Kills the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
};

export type SlapdOptions = {
  /** LDIF added below the suffix entry (which the helper writes itself). */
  ldif?: string;
  /** Server-side size limit for anyone but the root DN's paged searches; default 500. */
  sizeLimit?: number;
  /** Also listen on ldaps:// and offer StartTLS with a self-signed certificate for 127.0.0.1. */
  tls?: boolean;
};

export const SUFFIX = 'dc=example,dc=com';

function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

export async function startSlapd(options: SlapdOptions = {}): Promise<TestSlapd> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) throw new Error(`${SLAPD} or ${SLAPADD} not found. ${INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-slapd-'));
  const rootDn = `cn=admin,${SUFFIX}`;
  const rootPassword = 'admin-secret';
  mkdirSync(join(dir, 'db'));
  const tls = options.tls ? selfSignedCert(dir) : null;
  const conf = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    `pidfile ${join(dir, 'slapd.pid')}`,
    ...(tls ? [`TLSCertificateFile ${tls.cert}`, `TLSCertificateKeyFile ${tls.key}`] : []),
    `sizelimit ${options.sizeLimit ?? 500}`,
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(dir, 'db')}`,
    'access to attrs=userPassword by anonymous auth by * none',
    'access to * by * read',
    // Paged searches may page through everything; one unpaged answer stays capped at sizelimit.
    'limits * size.pr=unlimited size.prtotal=unlimited',
  ].join('\n');
  writeFileSync(join(dir, 'slapd.conf'), `${conf}\n`);
  const base = `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n`;
  writeFileSync(join(dir, 'seed.ldif'), base + (options.ldif ?? ''));
  try {
    execFileSync(SLAPADD, ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'seed.ldif')], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
  }
  const port = await freePort();
  const tlsPort = tls ? await freePort() : null;
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])];
  const child: ChildProcess = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', urls.join(' '), '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()).length > 20_000 && (stderr = stderr.slice(-10_000)));
  let exit: string | null = null;
  child.once('exit', (code, signal) => (exit = `slapd exited (${code ?? signal}): ${stderr.slice(-2000)}`));
  const stop = async () => {
    if (exit === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 10_000, () => exit);
    if (tlsPort) await waitForPort(tlsPort, 10_000, () => exit);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : null,
    caFile: tls ? tls.cert : null,
    suffix: SUFFIX,
    rootDn,
    rootPassword,
    stop,
  };
}

