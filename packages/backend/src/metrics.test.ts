import { DEFAULT_METRICS_PORT, readMetricsPort } from './metrics';

describe('readMetricsPort', () => {
  it('serves on 9464, as RHDH does, when the variable is not set', () => {
    expect(DEFAULT_METRICS_PORT).toBe(9464);
    expect(readMetricsPort({})).toEqual({ port: 9464 });
    expect(readMetricsPort({ DEVPORTAL_METRICS_PORT: ' ' })).toEqual({
      port: 9464,
    });
  });

  it('takes a port number', () => {
    expect(readMetricsPort({ DEVPORTAL_METRICS_PORT: '9100' })).toEqual({
      port: 9100,
    });
  });

  it('is off with 0 or off', () => {
    expect(readMetricsPort({ DEVPORTAL_METRICS_PORT: '0' })).toEqual({
      off: true,
    });
    expect(readMetricsPort({ DEVPORTAL_METRICS_PORT: 'OFF' })).toEqual({
      off: true,
    });
  });

  it.each(['no', '-1', '65536', '9464.5', '0x10'])(
    'names the variable and what it may be when it is %s',
    value => {
      expect(readMetricsPort({ DEVPORTAL_METRICS_PORT: value })).toEqual({
        problem: `DEVPORTAL_METRICS_PORT must be a port number (1-65535), or 0 or off to serve no metrics; it is "${value}"`,
      });
    },
  );
});
