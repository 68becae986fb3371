import { loadConfig } from '../../../src/config';

// CORS_ORIGINS and CORS_MAX_AGE_S as configuration; what browsers get is test/integration/http/cors.test.ts.
const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';

describe('CORS configuration', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };

  it('defaults to any origin outside production and to none in production; max-age 600 s', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual(['*']);
    expect(loadConfig({ NODE_ENV: 'test' }).CORS_ORIGINS).toEqual(['*']);
    expect(loadConfig(production).CORS_ORIGINS).toEqual([]);
    expect(loadConfig(production).CORS_MAX_AGE_S).toBe(600);
  });

  it('reads a comma-separated list of origins, or *', () => {
    expect(loadConfig({ ...production, CORS_ORIGINS: ` ${APP}, http://localhost:5173,http://[::1]:8080 ` }).CORS_ORIGINS).toEqual([
      APP,
      DEV,
      'http://[::1]:8080',
    ]);
    expect(loadConfig({ ...production, CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
    expect(loadConfig({ CORS_MAX_AGE_S: '0' }).CORS_MAX_AGE_S).toBe(0);
  });

  it.each([
    ['app.example.com', /CORS_ORIGINS: "app\.example\.com" is not an origin such as https:\/\/app\.example\.com/],
    [`${APP}/`, /CORS_ORIGINS: "https:\/\/app\.example\.com\/" is not an origin as browsers send it .*did you mean https:\/\/app\.example\.com\?/],
    ['https://App.Example.com', /did you mean https:\/\/app\.example\.com\?/],
    ['https://app.example.com:443', /did you mean https:\/\/app\.example\.com\?/],
    [`${APP}/graphql`, /did you mean https:\/\/app\.example\.com\?/],
    ['ftp://files.example.com', /"ftp:\/\/files\.example\.com" is not an http:\/\/ or https:\/\/ origin/],
    [`*,${APP}`, /CORS_ORIGINS: \* \(any origin\) cannot be combined with listed origins/],
    [' , ', /CORS_ORIGINS: list at least one origin, or \*/],
  ])('refuses CORS_ORIGINS=%s with a message saying why', (value, message) => {
    expect(() => loadConfig({ ...production, CORS_ORIGINS: value })).toThrow(message);
  });

  it('reports every bad origin at once, and bounds CORS_MAX_AGE_S to a day', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'a.example, https://ok.example, b.example' })).toThrow(/"a\.example"[\s\S]*"b\.example"/);
    expect(() => loadConfig({ CORS_MAX_AGE_S: '86401' })).toThrow(/CORS_MAX_AGE_S/);
    expect(() => loadConfig({ CORS_MAX_AGE_S: '-1' })).toThrow(/CORS_MAX_AGE_S/);
  });
});
