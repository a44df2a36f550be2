#!/usr/bin/env python3
"""Regenerates the calibration set, the confidence model and its reliability table.

One command (a release build first: `cargo build --release`):

    scripts/calibrate.py --squad DIR -- ./target/release/passagebot

DIR holds SQuAD's `articles.jsonl` and `questions.jsonl` (one JSON object a line:
{"title", "paragraphs"} and {"title", "question", "answers"}); without --squad only
the article's questions are used. The labelled set:

- the bundled article (corpus/), asked every question of
  tests/fixtures/article-questions.jsonl and tests/fixtures/reader-questions.jsonl
  (direct, paraphrased, misspelled; off-topic ones, many sharing the article's
  words); weighted x6, as the product's own case;
- each SQuAD article as its own one-document corpus, asked 40 of its own questions
  and 40 taken from other articles (as the project's abstention evaluation does).

A question is labelled right when it is answerable and the top passage holds a gold
phrase (an answer string for SQuAD). Every question is asked with the words-settle
cascade off (PASSAGEBOT_TUNING=decisive=0), so all have the meaning signals. The
model is a logistic regression on the signals that `src/engine/confidence.rs` computes
(`Signals`); this script prints its weights (paste them into `WEIGHTS`), the
reliability table (for each band of the predicted probability, the share that was
right), and what each cut would give. Python 3 standard library only.

With --phrasings, it fits the three signals of known phrasings instead (`ASKED_WEIGHTS`,
issue #22), with `WEIGHTS` held as they are in src/engine/confidence.rs, so an index
without phrasing files answers exactly as before. The labelled set holds phrasings the
way operators will have them: the cross-validation folds of scripts/phrasings_cv.py
(the article with a faq.questions.jsonl of the public sets and four fifths of the
reader set), each asked its held-out fifth (answerable and off-topic) and every
off-topic question of the public sets; an off-topic question weighs twice
(`OFFTOPIC_WEIGHT`).

    scripts/calibrate.py --phrasings --kit KIT -- ./target/release/passagebot
"""
import argparse, json, math, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = ["tests/fixtures/article-questions.jsonl", "tests/fixtures/reader-questions.jsonl"]
NAMES = ["coverage", "similarity", "sentence", "margin", "similarity_gap", "sentence_gap", "unknown", "words"]


def norm(s):
    s = s.lower()
    for a, b in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'"),
                 ("\u2013", "-"), ("\u2014", "-"), ("\u00a0", " ")):
        s = s.replace(a, b)
    return re.sub(r"\s+", " ", s).strip()


def ask(cmd, corpus, index, questions):
    # Other knobs given for an experiment are kept; the cascade is always off.
    knobs = os.environ.get("PASSAGEBOT_TUNING", "")
    env = dict(os.environ, PASSAGEBOT_TUNING=(knobs + "," if knobs else "") + "decisive=0")
    b = subprocess.run(cmd + ["--corpus", corpus, "--index", index, "index"], capture_output=True, text=True, env=env)
    if b.returncode != 0:
        sys.exit(f"index failed for {corpus}: {b.stderr[-400:]}")
    p = subprocess.run(cmd + ["--corpus", corpus, "--index", index, "ask", "--json", "--top", "10"],
                       input="\n".join(q.replace("\n", " ") for q in questions) + "\n",
                       capture_output=True, text=True, env=env)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or len(lines) != len(questions):
        sys.exit(f"ask failed for {corpus}: {p.stderr[-400:]}")
    return lines


def signals(r):
    """The same signals as src/engine/search.rs `signals`, from an `ask --json` line.
    None when meaning was not compared, or when a rule decided the answer: the best
    passage lacks what the question plainly asks for (`confidence.lacks`, a year it does
    not give), so the model's probability does not count."""
    ps = r["passages"]
    if not ps or ps[0].get("similarity") is None or r.get("confidence", {}).get("lacks"):
        return None
    best = ps[0]
    sims = [p.get("similarity") or 0.0 for p in ps]
    sents = [p.get("sentence_similarity", p.get("similarity")) or 0.0 for p in ps]
    scores = [p["score"] for p in ps]
    total = sum(t["weight"] for t in r["terms"])
    unknown = sum(t["weight"] for t in r["terms"] if t["passages"] == 0) / total if total > 0 else 0.0
    best_words = max(p["words"] for p in ps)
    second = scores[1] if len(scores) > 1 else 0.0
    return [best["coverage"], sims[0], sents[0],
            (scores[0] - second) / scores[0] if scores[0] > 0 else 0.0,
            sims[0] - max(sims[1:] + [0.0]), sents[0] - max(sents[1:] + [0.0]),
            unknown, best["words"] / best_words if best_words > 0 else 0.0]


def asked(r):
    """The known phrasings' signals, as src/engine/search.rs `signals` computes them."""
    ps = r["passages"]
    if not ps:
        return [0.0] * ASKED_SIGNALS
    return [ps[0].get("asked_strength", 0.0), ps[0].get("asked_share", 0.0),
            min(ps[0].get("asked_close", 0), CLOSE_COUNTED) / CLOSE_COUNTED]


# As src/engine/asked.rs: asked_strength, asked_share, and asked_close counted up to 6.
ASKED_SIGNALS = 3
CLOSE_COUNTED = 6


def old_weights():
    src = open(os.path.join(ROOT, "src", "engine", "confidence.rs")).read()
    body = re.search(r"const WEIGHTS: \[f32; 9\] = \[([^\]]*)\]", src).group(1)
    return [float(x) for x in body.replace("\n", " ").split(",") if x.strip()]


# An off-topic question counts this many times in the fit of the phrasings'
# weights: a confident answer to a question the documents do not answer is the
# worse mistake, and near-topic questions ("What's the difference between
# marketing and public relations?") can be close to a known phrasing. Weighted
# once, the fit made public off-topic questions confident in held-out folds.
OFFTOPIC_WEIGHT = 2.0


def collect_phrasings(cmd, folds, kit):
    sys.path.insert(0, HERE)
    import phrasings_cv
    rows = []  # (old signals, asked signals, right, answerable)
    work = tempfile.mkdtemp(prefix="passagebot-calibrate-phrasings-")
    offtopic = [q for path in phrasings_cv.public(kit) for q in phrasings_cv.load(path) if "gold" not in q]
    for k in range(folds):
        corpus, index, _, _, held = phrasings_cv.make_corpus(kit, work, k, folds)
        asked_qs = held + offtopic
        for q, r in zip(asked_qs, ask(cmd, corpus, index, [q["q"] for q in asked_qs])):
            x = signals(r)
            if x is None:
                continue
            top = r["passages"][0]["text"] if r["passages"] else ""
            right = "gold" in q and any(norm(g) in norm(top) for g in q["gold"])
            rows.append((x, asked(r), right, "gold" in q))
        print(f"  fold {k + 1}", file=sys.stderr)
    return rows


def fit_asked(rows, old, offtopic_weight=OFFTOPIC_WEIGHT, l2=1e-2, iterations=40):
    """Logistic regression of the phrasing signals on top of the fixed model,
    an off-topic question counting `offtopic_weight` times."""
    k = ASKED_SIGNALS
    theta = [0.0] * k
    weights = [1.0 if answerable else offtopic_weight for _, _, _, answerable in rows]
    n = sum(weights)
    base = [sum(a * b for a, b in zip(old, x + [1.0])) for x, _, _, _ in rows]
    z = lambda z0, a: z0 + sum(t * x for t, x in zip(theta, a))
    for _ in range(iterations):
        grad, hess = [0.0] * k, [[0.0] * k for _ in range(k)]
        for z0, w, (_, a, y, _) in zip(base, weights, rows):
            p = sigmoid(z(z0, a))
            for i in range(k):
                grad[i] += w * (p - y) * a[i] / n
                for j in range(k):
                    hess[i][j] += w * p * (1 - p) * a[i] * a[j] / n
        for i in range(k):
            grad[i] += l2 * theta[i]
            hess[i][i] += l2
        step = solve(hess, grad)
        theta = [t - s for t, s in zip(theta, step)]
    probs = [sigmoid(z(z0, a)) for z0, (_, a, _, _) in zip(base, rows)]
    return theta, probs


def phrasings_main(cmd, folds, kit):
    rows = collect_phrasings(cmd, folds, kit)
    old = old_weights()
    theta, probs = fit_asked(rows, old)
    print(f"{len(rows)} labelled questions with meaning signals, {sum(1 for r in rows if r[1][0] > 0)} close to a known phrasing")
    print("ASKED_WEIGHTS = [" + ", ".join(f"{t:.3f}" for t in theta) + "]  # asked, asked_share, asked_close")
    print("\n| probability | questions | right |\n|---|---|---|")
    for lo in [i / 10 for i in range(10)]:
        band = [y for p, (_, _, y, _) in zip(probs, rows) if lo <= p < lo + 0.1 or (lo == 0.9 and p == 1.0)]
        if band:
            print(f"| {lo:.1f}–{lo + 0.1:.1f} | {len(band)} | {sum(band) / len(band):.2f} |")
    print("\n| answered from | answerable right & confident | off-topic not confident |\n|---|---|---|")
    for cut in [0.35, 0.4, 0.45, 0.5, 0.55, 0.6]:
        pos = [(p, y) for p, (_, _, y, ans) in zip(probs, rows) if ans]
        neg = [p for p, (_, _, _, ans) in zip(probs, rows) if not ans]
        print(f"| {cut:.2f} | {sum(1 for p, y in pos if y and p >= cut) / max(len(pos), 1):.3f} | "
              f"{sum(1 for p in neg if p < cut) / max(len(neg), 1):.3f} |")


def collect(cmd, squad, per):
    rows = []  # (signals, right, weight, group, answerable)
    work = tempfile.mkdtemp(prefix="passagebot-calibrate-")
    qs = []
    for path in FIXTURES:
        qs += [json.loads(l) for l in open(os.path.join(ROOT, path)) if l.strip()]
    for q, r in zip(qs, ask(cmd, os.path.join(ROOT, "corpus"), os.path.join(work, "article"), [q["q"] for q in qs])):
        top = r["passages"][0]["text"] if r["passages"] else ""
        right = "gold" in q and any(norm(g) in norm(top) for g in q["gold"])
        rows.append((signals(r), right, 6.0, "article", "gold" in q, r))
    if squad:
        arts = [json.loads(l) for l in open(os.path.join(squad, "articles.jsonl"))]
        by = {}
        for l in open(os.path.join(squad, "questions.jsonl")):
            q = json.loads(l)
            by.setdefault(q["title"], []).append(q)
        titles = [a["title"] for a in arts]
        for i, art in enumerate(arts):
            t = art["title"]
            own = by[t][:: max(1, len(by[t]) // per)][:per]
            foreign, k = [], 1
            while len(foreign) < per and k < len(titles):
                other = by[titles[(i + k) % len(titles)]]
                foreign += other[len(foreign) % len(other)::17][: max(1, per // 4)]
                k += 1
            foreign = foreign[:per]
            corpus = os.path.join(work, "squad", t, "corpus")
            os.makedirs(corpus, exist_ok=True)
            with open(os.path.join(corpus, t + ".md"), "w") as f:
                f.write("# " + t.replace("_", " ") + "\n\n" + "\n\n".join(art["paragraphs"]) + "\n")
            asked = own + foreign
            for j, (q, r) in enumerate(zip(asked, ask(cmd, corpus, os.path.join(work, "squad", t, "index"), [q["question"] for q in asked]))):
                top = r["passages"][0]["text"] if r["passages"] else ""
                right = j < len(own) and any(norm(a) in norm(top) for a in q["answers"])
                rows.append((signals(r), right, 1.0, "squad", j < len(own), r))
            print(f"  {t}", file=sys.stderr)
    return rows


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(rows, l2=1e-2, iterations=40):
    """Weighted logistic regression by Newton's method (9 parameters)."""
    n = len(NAMES) + 1
    theta = [0.0] * n
    wsum = sum(w for _, _, w, _, _ in rows)
    for _ in range(iterations):
        grad = [0.0] * n
        hess = [[0.0] * n for _ in range(n)]
        for x, y, w, _, _ in rows:
            xb = x + [1.0]
            p = sigmoid(sum(a * b for a, b in zip(theta, xb)))
            for i in range(n):
                grad[i] += w * (p - y) * xb[i] / wsum
                for j in range(n):
                    hess[i][j] += w * p * (1 - p) * xb[i] * xb[j] / wsum
        for i in range(n - 1):
            grad[i] += l2 * theta[i]
            hess[i][i] += l2
        hess[n - 1][n - 1] += 1e-9
        step = solve(hess, grad)
        theta = [t - s for t, s in zip(theta, step)]
    return theta


def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--squad", help="folder with SQuAD's articles.jsonl and questions.jsonl")
    ap.add_argument("--per", type=int, default=40, help="own and foreign questions per SQuAD article")
    ap.add_argument("--save", help="also write every labelled answer (JSON lines) to this file")
    ap.add_argument("--phrasings", action="store_true", help="fit the known phrasings' signals (issue #22)")
    ap.add_argument("--folds", type=int, default=5, help="with --phrasings: cross-validation folds")
    ap.add_argument("--kit", help="with --phrasings: the evaluation kit's folder (eval/, tools/)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- BIN")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("calibrate.py: give the binary after --, e.g. -- ./target/release/passagebot")
    if a.phrasings:
        if not a.kit:
            sys.exit("calibrate.py --phrasings: give the evaluation kit's folder with --kit")
        return phrasings_main(cmd, a.folds, a.kit)
    asked = collect(cmd, a.squad, a.per)
    if a.save:
        with open(a.save, "w") as f:
            for x, y, w, g, ans, r in asked:
                f.write(json.dumps({"signals": x, "right": y, "weight": w, "group": g, "answerable": ans, "answer": r}) + "\n")
    rows = [row[:5] for row in asked if row[0] is not None]
    theta = fit(rows)
    print(f"{len(rows)} labelled questions with meaning signals")
    print("WEIGHTS = [" + ", ".join(f"{t:.3f}" for t in theta) + "]  # " + ", ".join(NAMES) + ", bias")
    probs = [sigmoid(sum(a * b for a, b in zip(theta, x + [1.0]))) for x, _, _, _, _ in rows]
    print("\n| probability | questions | right |\n|---|---|---|")
    for lo in [i / 10 for i in range(10)]:
        band = [y for p, (_, y, _, _, _) in zip(probs, rows) if lo <= p < lo + 0.1 or (lo == 0.9 and p == 1.0)]
        if band:
            print(f"| {lo:.1f}–{lo + 0.1:.1f} | {len(band)} | {sum(band) / len(band):.2f} |")
    print("\n| answered from | article right & confident | article off-topic not confident | SQuAD own right & confident | SQuAD foreign not confident |\n|---|---|---|---|---|")
    for cut in [0.35, 0.4, 0.45, 0.5, 0.55, 0.6]:
        cells = []
        for group in ("article", "squad"):
            pos = [(p, y) for p, (_, y, _, g, ans) in zip(probs, rows) if g == group and ans]
            neg = [p for p, (_, _, _, g, ans) in zip(probs, rows) if g == group and not ans]
            cells.append(f"{sum(1 for p, y in pos if y and p >= cut) / max(len(pos), 1):.3f}")
            cells.append(f"{sum(1 for p in neg if p < cut) / max(len(neg), 1):.3f}")
        print(f"| {cut:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
