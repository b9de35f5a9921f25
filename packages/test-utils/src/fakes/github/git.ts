/*
 * Git over HTTP for the fake GitHub's repositories, as GitHub serves it at
 * `<base>/<owner>/<repo>.git`: the smart protocol is Git's own
 * `git http-backend` (CGI) over a bare repository per repository, so a
 * client's push (the scaffolder's publish:github, isomorphic-git) talks to
 * real Git. GitHub asks for Basic credentials (`x-access-token:<token>`)
 * with a 401 and `WWW-Authenticate: Basic realm="GitHub"`.
 */
import { execFileSync, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type http from 'http';

/** Bare repositories in a temporary folder, by `<owner>/<repo>`. */
export class GitRepositories {
  private root?: string;

  /** The bare repository's folder, created empty when missing. */
  create(owner: string, repo: string): string {
    this.root ??= fs.mkdtempSync(path.join(os.tmpdir(), 'fake-github-git-'));
    const dir = this.gitDir(owner, repo)!;
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      execFileSync('git', ['init', '--quiet', '--bare', dir]);
    }
    return dir;
  }

  /** The bare repository's folder (it may not exist yet); undefined before any was created. */
  gitDir(owner: string, repo: string): string | undefined {
    return (
      this.root &&
      path.join(this.root, owner.toLowerCase(), `${repo.toLowerCase()}.git`)
    );
  }

  /** Removes every repository. */
  remove(): void {
    if (this.root) fs.rmSync(this.root, { recursive: true, force: true });
    this.root = undefined;
  }

  /**
   * Serves one smart-HTTP request (`info/refs`, `git-upload-pack`,
   * `git-receive-pack`) for an existing repository with `git http-backend`,
   * the request body streamed to it as it comes.
   */
  serve(
    owner: string,
    repo: string,
    service: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const dir = this.gitDir(owner, repo)!;
    return new Promise((resolve, reject) => {
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH,
          GIT_PROJECT_ROOT: path.dirname(dir),
          GIT_HTTP_EXPORT_ALL: '1',
          // The push was authenticated by the fake; http-backend only
          // accepts receive-pack from an authenticated user.
          REMOTE_USER: 'x-access-token',
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: `/${path.basename(dir)}/${service}`,
          QUERY_STRING: url.search.replace(/^\?/, ''),
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          ...(req.headers['content-encoding'] && {
            HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
          }),
          ...(req.headers['git-protocol'] && {
            GIT_PROTOCOL: String(req.headers['git-protocol']),
          }),
        },
      });
      const chunks: Buffer[] = [];
      cgi.stdout.on('data', chunk => chunks.push(chunk));
      cgi.on('error', reject);
      cgi.on('close', () => {
        const output = Buffer.concat(chunks);
        const end = output.indexOf('\r\n\r\n');
        const head = output.subarray(0, end).toString('latin1');
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.split('\r\n')) {
          const [name, ...rest] = line.split(':');
          const value = rest.join(':').trim();
          if (name.toLowerCase() === 'status') status = parseInt(value, 10);
          else headers[name] = value;
        }
        res.writeHead(status, headers);
        res.end(output.subarray(end + 4));
        resolve();
      });
      req.pipe(cgi.stdin);
    });
  }
}
