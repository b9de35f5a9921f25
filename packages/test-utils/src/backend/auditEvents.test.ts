import { auditEvents } from './auditEvents';

describe('auditEvents', () => {
  it('reads a failed event in the development format, its reason in the message', () => {
    const line =
      '\u001b[2m2026-12-07T19:44:01.670Z\u001b[22m \u001b[34mauth\u001b[39m \u001b[32minfo\u001b[39m ' +
      "auth.oauth-client-registered 400: Invalid redirect_uri 'https://x.example/cb' " +
      '\u001b[36misAuditEvent\u001b[39m=true \u001b[36meventId\u001b[39m="oauth-client-registered" ' +
      '\u001b[36mmeta\u001b[39m={"clientName":"a b=c"} \u001b[36mstatus\u001b[39m="failed"';
    expect(auditEvents(`booting\n${line}\n`)).toEqual([
      {
        plugin: 'auth',
        message:
          "auth.oauth-client-registered 400: Invalid redirect_uri 'https://x.example/cb'",
        isAuditEvent: true,
        eventId: 'oauth-client-registered',
        meta: { clientName: 'a b=c' },
        status: 'failed',
      },
    ]);
  });

  it('reads an event of the JSON format as it stands', () => {
    const event = {
      plugin: 'permission',
      message: 'permission.rbac-policies-read',
      isAuditEvent: true,
      eventId: 'rbac-policies-read',
      status: 'succeeded',
    };
    expect(auditEvents(`{"level":"info"}\n${JSON.stringify(event)}`)).toEqual([
      event,
    ]);
  });
});
