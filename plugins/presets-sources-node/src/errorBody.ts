/** Enough of an error body to say what went wrong, not a whole HTML page. */
const MAX_ERROR_TEXT = 300;

/**
 * The start of the service's own error text in a failed answer's JSON body
 * (`field`, e.g. Azure DevOps's `message`, Okta's `errorSummary`), when
 * the body has one: a proxy's or a sign-in page's HTML has none.
 */
export async function errorBodyText(
  response: Response,
  field: string,
): Promise<string | undefined> {
  const text = await response.text().catch(() => '');
  try {
    const value = JSON.parse(text)?.[field];
    if (typeof value === 'string') {
      return value.slice(0, MAX_ERROR_TEXT);
    }
  } catch {
    // not JSON
  }
  return undefined;
}
