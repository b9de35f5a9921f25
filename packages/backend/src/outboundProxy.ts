/*
 * Corporate proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (either case, as
 * curl reads them; ALL_PROXY too) for every outbound HTTP call this backend
 * makes. Node honours none of them by itself, and its two HTTP stacks need
 * one switch each: native fetch and undici (Octokit, the URL readers, most
 * of Backstage 1.55) take undici's global dispatcher, and Node's http and
 * https modules (node-fetch, passport's OAuth2 code exchange, openid-client)
 * take their global agents. Both ask one function which proxy a URL goes
 * through, so NO_PROXY means the same to both.
 *
 * Not through the proxy: loopback (the backend's calls to itself; no proxy
 * can reach this machine's loopback), clients that bring their own
 * configured agent (the Kubernetes client, with its cluster's CA), and what
 * is not HTTP (LDAP, PostgreSQL).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {
  ProxyAgent as NodeProxyAgent,
  ProxyAgentOptions as NodeProxyAgentOptions,
} from 'proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { EXIT_CONFIG } from '@devportal/plugin-presets-common';
import {
  Agent,
  Dispatcher,
  ProxyAgent as UndiciProxyAgent,
  setGlobalDispatcher,
} from 'undici';

/** The variables that name a proxy, as proxy-from-env reads them (lower case first). */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy'];

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = net.isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The proxy URL a request to `url` goes through, or '' for a direct connection. */
export function proxyForUrl(url: string | URL): string {
  const parsed = new URL(url);
  return isLoopback(parsed.hostname) ? '' : getProxyForUrl(parsed.href);
}

/** The set variable for `name` in either case, lower case first as proxy-from-env reads it. */
function findVariable(
  env: NodeJS.ProcessEnv,
  name: string,
): { name: string; value: string } | undefined {
  for (const candidate of [name, name.toUpperCase()]) {
    const value = env[candidate];
    if (value) return { name: candidate, value };
  }
  return undefined;
}

/** A proxy variable that is not a URL; the message names the variable, never its value (it may hold a password). */
export class ProxyVariableError extends Error {
  constructor(readonly variable: string) {
    super(
      `${variable} is not an http:// or https:// proxy URL: set it to http://host:port (credentials as http://user:password@host:port, percent-encoded), or unset it`,
    );
    this.name = 'ProxyVariableError';
  }
}

/** What the backend logs about its proxies: hosts only, never credentials. */
export interface OutboundProxySummary {
  /** e.g. `HTTP_PROXY=proxy.corp.example:3128`, one per variable set. */
  proxies: string[];
  /** NO_PROXY's entries, as set. */
  noProxy: string[];
}

/**
 * Reads the proxy variables. Returns undefined when none names a proxy;
 * throws {@link ProxyVariableError} for one that is not a URL.
 */
export function readProxySettings(
  env: NodeJS.ProcessEnv,
): OutboundProxySummary | undefined {
  const proxies: string[] = [];
  for (const name of PROXY_VARIABLES) {
    const set = findVariable(env, name);
    if (!set) continue;
    // A proxy without a scheme is taken as http:// (proxy-from-env does too).
    const withScheme = set.value.includes('://')
      ? set.value
      : `http://${set.value}`;
    let proxy: URL;
    try {
      proxy = new URL(withScheme);
    } catch {
      throw new ProxyVariableError(set.name);
    }
    // undici, the other stack, speaks to HTTP proxies only.
    if (!proxy.hostname || !['http:', 'https:'].includes(proxy.protocol)) {
      throw new ProxyVariableError(set.name);
    }
    proxies.push(`${set.name}=${proxy.protocol}//${proxy.host}`);
  }
  if (proxies.length === 0) return undefined;
  const noProxy = (findVariable(env, 'no_proxy')?.value ?? '')
    .split(/[,\s]/)
    .filter(Boolean);
  return { proxies, noProxy };
}

/**
 * undici's dispatcher: each request through the proxy {@link proxyForUrl}
 * names for it (one ProxyAgent per proxy), or directly.
 */
export function createProxyDispatcher(): Dispatcher {
  const direct = new Agent();
  const viaProxy = new Map<string, Dispatcher>();
  return direct.compose(dispatch => (options, handler) => {
    const proxy = proxyForUrl(new URL(options.path, options.origin));
    if (!proxy) return dispatch(options, handler);
    let agent = viaProxy.get(proxy);
    if (!agent) {
      agent = new UndiciProxyAgent(proxy);
      viaProxy.set(proxy, agent);
    }
    return agent.dispatch(options, handler);
  });
}

/**
 * proxy-agent's agent with the same choice of proxy, also when Node builds
 * one itself: a request with `agent: false` (http-proxy, behind the proxy
 * plugin) gets `new (globalAgent.constructor)()`, without options.
 */
class EnvironmentProxyAgent extends NodeProxyAgent {
  constructor(options?: NodeProxyAgentOptions) {
    super({ ...options, getProxyForUrl: url => proxyForUrl(url) });
  }
}

/** The agent for Node's http and https modules, with the same choice of proxy. */
export function createProxyHttpAgent(): http.Agent {
  // No keepAlive: agent-base would hand a kept socket to the proxy straight
  // to the next request, skipping the plain-HTTP proxy's absolute-URI form.
  return new EnvironmentProxyAgent();
}

/**
 * Routes every outbound HTTP call of this process through the proxies the
 * environment names, when it names one. Call before the backend starts.
 * Returns what to log, or undefined when no proxy is set (nothing changes).
 */
export function useProxiesFromEnvironment(): OutboundProxySummary | undefined {
  const settings = readProxySettings(process.env);
  if (!settings) return undefined;
  setGlobalDispatcher(createProxyDispatcher());
  http.globalAgent = createProxyHttpAgent();
  https.globalAgent = createProxyHttpAgent() as https.Agent;
  return settings;
}

/**
 * {@link useProxiesFromEnvironment} for the entry points, right after the
 * boot gate: a proxy variable that is not a URL ends the process with exit
 * code 78 and its one-line message, before the backend is loaded.
 */
export function useProxiesFromEnvironmentOrExit():
  | OutboundProxySummary
  | undefined {
  try {
    return useProxiesFromEnvironment();
  } catch (error) {
    if (error instanceof ProxyVariableError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
}
