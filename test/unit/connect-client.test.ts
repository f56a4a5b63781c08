import { describe, it, expect } from 'vitest';
import { AUTH_TOKEN_SUBPROTOCOL_PREFIX, PHOENIX_SUBPROTOCOL, parseSubprotocols } from '../../lambdas/core/use-cases/connect-client.js';

describe('connect-client', () => {
  describe('parseSubprotocols', () => {
    it('returns nothing without a header', () => {
      // Act & Assess
      expect(parseSubprotocols(undefined)).toEqual([]);
      expect(parseSubprotocols('')).toEqual([]);
    });

    it('splits on commas and trims whitespace, as browsers send the list', () => {
      // Act
      const protocols = parseSubprotocols('phoenix, base64url.bearer.phx.abc');

      // Assess
      expect(protocols).toEqual(['phoenix', 'base64url.bearer.phx.abc']);
    });

    it('drops empty entries', () => {
      // Act & Assess
      expect(parseSubprotocols(' phoenix ,, ,chat ')).toEqual(['phoenix', 'chat']);
    });

    it('matches the names the phoenix client uses', () => {
      // Assess: phoenix/assets/js/phoenix/socket.js sends ["phoenix", AUTH_TOKEN_PREFIX + token]
      expect(PHOENIX_SUBPROTOCOL).toBe('phoenix');
      expect(AUTH_TOKEN_SUBPROTOCOL_PREFIX).toBe('base64url.bearer.phx.');
    });
  });
});
