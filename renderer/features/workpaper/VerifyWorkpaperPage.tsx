/**
 * `#/verify-workpaper`: checks a workpaper file as `tickmark workpaper verify` does
 * (shared/workpaper/workpaper.ts `checkWorkpaper`): every signature by a signer the auditor
 * names, the content intact, the review covering this exact workpaper, and each file given
 * (the archive, the PDF) one the workpaper names, matched by the SHA-256 of its bytes
 * whatever its name. A subject whose file was not given is shown as not checked, never as
 * matching.
 */
import { useState } from 'react';
import { nobleStrictVerifier } from '../../../shared/format/ed25519.ts';
import { decodeUtf8Strict } from '../../../shared/format/bytes.ts';
import { checkWorkpaper, type WorkpaperCheck } from '../../../shared/workpaper/workpaper.ts';
import { useHost } from '../../app/host-context.ts';
import type { PickedFile } from '../../host/host.ts';
import { groupedHex } from '../../store/trust-keys.ts';
import { installFastestSha256 } from '../../workers/file-hashing.ts';
import { fileSha256 } from '../../workers/file-sha256.ts';
import { PredicateView } from './PredicateView.tsx';
import { keyFingerprint, parseSignerList } from './public-key.ts';
import { useSigningKeys } from './use-signing-keys.ts';

/** Largest workpaper file read (a workpaper of a million sampled items stays far below). */
const MAX_WORKPAPER_BYTES = 256 * 1024 * 1024;

interface HashedFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** A file given to compare, and as what. */
type GivenAs = HashedFile & { readonly as: 'the archive' | 'the PDF' };

type Picking = { readonly what: string; readonly done: number; readonly total: number } | null;

export function VerifyWorkpaperPage() {
  const host = useHost();
  const keys = useSigningKeys(host);
  const [workpaper, setWorkpaper] = useState<{ name: string; text: string } | null>(null);
  const [archive, setArchive] = useState<HashedFile | null>(null);
  const [pdf, setPdf] = useState<HashedFile | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [pasted, setPasted] = useState('');
  const [picking, setPicking] = useState<Picking>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ check: WorkpaperCheck; signers: string[]; given: GivenAs[] } | null>(null);
  const local = keys.state.status === 'ready' ? keys.state.list.keys : [];
  const labelOf = (publicKey: string) => local.find((k) => k.publicKey === publicKey)?.label;

  const hashPicked = async (what: string, file: PickedFile | null): Promise<HashedFile | null> => {
    if (!file) return null;
    try {
      setPicking({ what, done: 0, total: file.size });
      // The WebAssembly SHA-256 where it loads: about five times the JavaScript one in Chromium.
      await installFastestSha256();
      const sha256 = await fileSha256(file.bytes, {
        onProgress: (done, total) => setPicking({ what, done, total }),
      });
      return { name: file.name, size: file.size, sha256 };
    } finally {
      setPicking(null);
      await file.close();
    }
  };
  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const pickWorkpaper = () =>
    run(async () => {
      const file = await host.pickFile('workpaper');
      if (!file) return;
      try {
        if (file.size > MAX_WORKPAPER_BYTES)
          throw new Error(
            `${file.name} is ${file.size} bytes: a workpaper file is at most ${MAX_WORKPAPER_BYTES} bytes.`,
          );
        const text = decodeUtf8Strict(await file.bytes.read(0, file.size));
        if (text === null) throw new Error(`${file.name} is not UTF-8 text, so it is not a workpaper file.`);
        setWorkpaper({ name: file.name, text });
        setResult(null);
      } finally {
        await file.close();
      }
    });
  const pickArchive = () =>
    run(async () => {
      const picked = await host.pickArchive();
      const hashed = await hashPicked(
        'the archive',
        picked && { name: picked.name, size: picked.size, bytes: picked.bytes, close: () => picked.close() },
      );
      if (hashed) setArchive(hashed);
    });
  const pickPdf = () =>
    run(async () => {
      const hashed = await hashPicked('the PDF', await host.pickFile('pdf'));
      if (hashed) setPdf(hashed);
    });

  const verify = () => {
    setError(null);
    if (!workpaper) return setError('Choose the workpaper file to verify.');
    const parsed = parseSignerList(pasted);
    const signers = [...new Set([...chosen, ...parsed.keys])];
    if (parsed.problems.length > 0) return setError(`${parsed.problems.join('; ')}.`);
    if (signers.length === 0)
      return setError(
        'Name at least one signer whose signature you accept: choose a key of this machine or paste a public key you obtained from the signer.',
      );
    // Matched to the subjects by the SHA-256 of their bytes: the names they have here do not matter.
    const given: GivenAs[] = [
      ...(archive ? [{ ...archive, as: 'the archive' as const }] : []),
      ...(pdf ? [{ ...pdf, as: 'the PDF' as const }] : []),
    ];
    const check = checkWorkpaper(workpaper.text, { signers, files: given, verifier: nobleStrictVerifier });
    setResult({ check, signers, given });
  };

  return (
    <div className="page verify-workpaper-page" data-testid="verify-workpaper-page">
      <div>
        <h1>Verify a workpaper</h1>
        <p className="lede">
          Checks a workpaper file (.jsonl) as <span className="mono">tickmark workpaper verify</span> does: each
          signature by a signer you name, the content intact, the review covering this exact workpaper, and the archive
          and PDF you give the ones it names. Nothing is imported or changed.
        </p>
      </div>
      <section className="panel" aria-labelledby="vw-files-heading">
        <h2 id="vw-files-heading">Files</h2>
        <dl className="facts">
          <div>
            <dt>Workpaper file</dt>
            <dd>
              <button type="button" onClick={() => void pickWorkpaper()} data-testid="vw-pick-workpaper">
                Choose workpaper file…
              </button>{' '}
              <span data-testid="vw-workpaper-name">{workpaper ? workpaper.name : 'None chosen'}</span>
            </dd>
          </div>
          <div>
            <dt>Evidence archive (optional)</dt>
            <dd>
              <button type="button" onClick={() => void pickArchive()} data-testid="vw-pick-archive">
                Choose archive…
              </button>{' '}
              <span data-testid="vw-archive">
                {archive ? `${archive.name}, SHA-256 ${archive.sha256}` : 'None: its hash will not be checked'}
              </span>
            </dd>
          </div>
          <div>
            <dt>PDF (optional)</dt>
            <dd>
              <button type="button" onClick={() => void pickPdf()} data-testid="vw-pick-pdf">
                Choose PDF…
              </button>{' '}
              <span data-testid="vw-pdf">
                {pdf ? `${pdf.name}, SHA-256 ${pdf.sha256}` : 'None: its hash will not be checked'}
              </span>
            </dd>
          </div>
        </dl>
        {picking && (
          <p role="status" className="muted">
            Reading {picking.what}: {Math.floor((picking.done / Math.max(1, picking.total)) * 100)}%
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="vw-signers-heading">
        <h2 id="vw-signers-heading">Signers you accept</h2>
        {local.length > 0 && (
          <fieldset className="wp-signers">
            <legend>Keys of this machine</legend>
            {local.map((k) => (
              <label key={k.publicKey} className="wp-signer">
                <input
                  type="checkbox"
                  checked={chosen.has(k.publicKey)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(k.publicKey);
                    else next.delete(k.publicKey);
                    setChosen(next);
                  }}
                  data-testid="vw-local-signer"
                />{' '}
                {k.label} <span className="mono muted">{groupedHex(k.publicKey.slice(0, 16))}…</span>
              </label>
            ))}
          </fieldset>
        )}
        <div className="field">
          <label htmlFor="vw-pasted">Public keys obtained from the signers (64 hex digits, one per line)</label>
          <textarea
            id="vw-pasted"
            className="mono"
            rows={3}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            data-testid="vw-pasted"
          />
        </div>
        <button type="button" className="primary" onClick={verify} disabled={picking !== null} data-testid="vw-verify">
          Verify
        </button>
      </section>
      {error && (
        <p className="notice notice-error" role="alert" data-testid="vw-error">
          {error}
        </p>
      )}
      {result && (
        <section className="panel" aria-labelledby="vw-result-heading" data-testid="vw-result">
          <h2 id="vw-result-heading">Result</h2>
          <p
            className={result.check.ok ? 'verdict verdict-good' : 'verdict verdict-bad'}
            data-testid="vw-verdict"
            data-ok={result.check.ok ? 'yes' : 'no'}
          >
            {result.check.ok ? 'The workpaper holds.' : 'The workpaper does NOT hold.'}
          </p>
          {result.check.problems.length > 0 && (
            <ul data-testid="vw-problems">
              {result.check.problems.map((p) => (
                <li key={p} data-testid="vw-problem">
                  {p}
                </li>
              ))}
            </ul>
          )}
          <dl className="facts">
            <div>
              <dt>Workpaper hash</dt>
              <dd className="mono break" data-testid="vw-hash">
                {result.check.workpaperHash ?? 'Not readable'}
              </dd>
            </div>
            <div>
              <dt>Prepared and signed by</dt>
              <dd data-testid="vw-prepared-by">
                {result.check.preparedBy.length === 0
                  ? 'No valid signature'
                  : result.check.preparedBy
                      .map((k) => `${labelOf(k) ?? 'key'} ${groupedHex(keyFingerprint(k).slice(0, 16))}…`)
                      .join(', ')}
              </dd>
            </div>
            <div>
              <dt>Review</dt>
              <dd data-testid="vw-review">
                {result.check.review
                  ? `${result.check.review.decision} by ${result.check.review.reviewer}, signed by ${
                      result.check.review.signers.map((k) => labelOf(k) ?? k).join(', ') || 'no valid signature'
                    }`
                  : 'Not reviewed'}
              </dd>
            </div>
          </dl>
          <table className="data-table compact" data-testid="vw-subjects">
            <caption>Files the workpaper names</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">SHA-256 it names</th>
                <th scope="col">File given</th>
              </tr>
            </thead>
            <tbody>
              {result.check.subjects.map((s, i) => {
                const file = s.file === null ? undefined : result.given[s.file];
                return (
                  <tr key={`${i}-${s.name}`} data-testid="vw-subject">
                    <th scope="row">{s.name}</th>
                    <td className="mono break">{s.sha256}</td>
                    <td>
                      {!file ? (
                        <span className="badge badge-neutral">not checked: file not given</span>
                      ) : (
                        <>
                          <span className="badge badge-good">matches</span> {file.as} given ({file.name})
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {result.check.files.some((f) => f.subject === null) && (
            <>
              <h3>Files given that the workpaper does not name</h3>
              <ul className="plain-list" data-testid="vw-given">
                {result.check.files.map((f, i) =>
                  f.subject === null ? (
                    <li key={i} data-testid="vw-given-file">
                      {result.given[i]?.as === 'the archive' ? 'Archive' : 'PDF'} given ({f.name}), SHA-256{' '}
                      <span className="mono break">{f.sha256}</span>: <strong>no subject has these bytes</strong>
                    </li>
                  ) : null,
                )}
              </ul>
            </>
          )}
          {result.check.predicate && (
            <details className="wp-verified-content" open={result.check.ok}>
              <summary data-testid="vw-content-label">
                {result.check.ok
                  ? 'The workpaper’s content, as signed'
                  : 'The content as the file holds it: NOT verified, do not rely on it'}
              </summary>
              <PredicateView predicate={result.check.predicate} idPrefix="vw-content" />
            </details>
          )}
        </section>
      )}
    </div>
  );
}
