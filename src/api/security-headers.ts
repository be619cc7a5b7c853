// Security headers on every admin API answer (hono's secureHeaders): a strict CSP, no framing, no sniffing.
import { secureHeaders } from 'hono/secure-headers';

/**
 * What the HTML pages need, checked in swagger-ui-dist rather than guessed: scripts and styles only
 * from files the relay serves (the page has no inline code; the bundle injects no <style> element,
 * sets styles through the DOM, which CSP allows, and its one `new Function` is an unused fallback
 * for globalThis), images from those files and the data: URIs in swagger-ui.css, fetches to the
 * relay itself (openapi.json, "Try it out"). Everything else is refused.
 */
const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders() {
  return secureHeaders({
    contentSecurityPolicy: CSP,
    xFrameOptions: 'DENY',
    // The relay speaks plain HTTP; HSTS is for the TLS proxy in front of it to decide (hono's default
    // includeSubDomains would reach every host of the operator's domain).
    strictTransportSecurity: false,
  });
}
