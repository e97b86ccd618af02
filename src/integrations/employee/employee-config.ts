/**
 * The employee integration's settings (the Flexfone PBXAdmin "employee integration"): one HTTP method
 * and four URLs per tenant, each called with a fixed parameter set when its moment comes. An empty
 * URL switches that moment off.
 */
import { invalid } from '../../core/errors.ts';

export const EMPLOYEE_MOMENTS = ['answered', 'ended', 'outgoing', 'incoming'] as const;
export type EmployeeMoment = (typeof EMPLOYEE_MOMENTS)[number];

export const EMPLOYEE_METHODS = ['GET', 'POST'] as const;
export type EmployeeMethod = (typeof EMPLOYEE_METHODS)[number];

export type EmployeeIntegration = {
  method: EmployeeMethod;
  /** Sent as `AccountId`; null: the tenant id. */
  accountId: string | null;
  urls: Record<EmployeeMoment, string>;
  updatedAt: string;
};

/** Settings of a tenant that never configured the integration: everything off. */
export function employeeIntegrationOff(): EmployeeIntegration {
  return { method: 'GET', accountId: null, urls: { answered: '', ended: '', outgoing: '', incoming: '' }, updatedAt: '' };
}

/** Checks that every non-empty URL is an absolute http(s) URL; throws CB_VALIDATION naming it. */
export function checkEmployeeUrls(urls: Record<EmployeeMoment, string>): Record<EmployeeMoment, string> {
  const out = { ...urls };
  for (const moment of EMPLOYEE_MOMENTS) {
    const value = (urls[moment] ?? '').trim();
    out[moment] = value;
    if (value === '') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(`/urls/${moment}`, 'must be an absolute URL (or empty to switch it off)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`/urls/${moment}`, 'must be an http:// or https:// URL');
    if (url.hash) throw invalid(`/urls/${moment}`, 'must not contain a #fragment');
  }
  return out;
}
