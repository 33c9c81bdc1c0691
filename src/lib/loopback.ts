/**
 * Host names that reach this machine only, as URL hostnames and listen
 * addresses spell them (IPv6 with and without brackets).
 */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export const isLoopbackHost = (host: string): boolean => LOOPBACK_HOSTS.has(host.toLowerCase());
