#!/usr/bin/env python3
"""Measures known phrasings (issue #22) by cross-validation on the bundled article.

One command (a release build first: `cargo build --release`), given the evaluation
kit's folder (the one holding `eval/seed-public.jsonl` and `tools/score_qa.py`, which
are not part of this repository):

    scripts/phrasings_cv.py --kit KIT -- ./target/release/passagebot

For each of 5 folds, a corpus is made of the article (corpus/*.md) and one
`faq.questions.jsonl`: every answerable question of the kit's seed-public.jsonl and
seed-paraphrase-public.jsonl, tests/fixtures/article-questions.jsonl and four fifths of
tests/fixtures/reader-questions.jsonl, each with its first gold phrase as `answer`
(what a few class sessions leave). The fifth of the reader set left out (answerable and
off-topic questions) is scored with the kit's score_qa.py: hit@1
(first passage right *and* confident), top-3, off-topic abstention. The public sets'
off-topic questions are asked of each fold's corpus too (they must stay unanswered).
Prints each fold and the mean. Python 3 standard library only.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
READER = os.path.join(ROOT, "tests", "fixtures", "reader-questions.jsonl")


def public(kit):
    """The question files every fold's phrasings start from."""
    return [os.path.join(kit, "eval", "seed-public.jsonl"),
            os.path.join(kit, "eval", "seed-paraphrase-public.jsonl"),
            os.path.join(ROOT, "tests", "fixtures", "article-questions.jsonl")]


def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def phrasing(q):
    return json.dumps({"q": q["q"], "answer": q["gold"][0]})


def folds(n):
    """The reader set split in n folds, every n-th question to a fold (the file is
    grouped by kind, so each fold gets its share of each)."""
    reader = load(READER)
    return [[q for i, q in enumerate(reader) if i % n == k] for k in range(n)], reader


def make_corpus(kit, work, k, n):
    """Fold k's corpus folder and its held-out questions file."""
    parts, _ = folds(n)
    held = parts[k]
    kept = [q for j, part in enumerate(parts) if j != k for q in part]
    corpus = os.path.join(work, f"fold{k}", "corpus")
    os.makedirs(corpus, exist_ok=True)
    for name in os.listdir(os.path.join(ROOT, "corpus")):
        if name.endswith(".md"):
            shutil.copy(os.path.join(ROOT, "corpus", name), corpus)
    lines = [phrasing(q) for path in public(kit) for q in load(path) if "gold" in q]
    lines += [phrasing(q) for q in kept if "gold" in q]
    with open(os.path.join(corpus, "faq.questions.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    questions = os.path.join(work, f"fold{k}", "held-out.jsonl")
    with open(questions, "w") as f:
        f.write("".join(json.dumps(q) + "\n" for q in held))
    return corpus, os.path.join(work, f"fold{k}", "index"), questions, len(lines), held


def score(kit, cmd, corpus, index, questions):
    out = os.path.join(os.path.dirname(questions), os.path.basename(questions) + ".score.json")
    scorer = os.path.join(kit, "tools", "score_qa.py")
    p = subprocess.run([sys.executable, scorer, "--questions", questions, "--json-out", out, "--",
                        *cmd, "--corpus", corpus, "--index", index], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"score_qa.py failed: {p.stdout[-400:]} {p.stderr[-400:]}")
    return json.load(open(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kit", required=True, help="the evaluation kit's folder (eval/, tools/)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--keep", help="build the folds in this folder and keep them")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- BIN")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("phrasings_cv.py: give the binary after --, e.g. -- ./target/release/passagebot")
    work = a.keep or tempfile.mkdtemp(prefix="passagebot-phrasings-cv-")
    os.makedirs(work, exist_ok=True)
    offtopic = os.path.join(work, "public-offtopic.jsonl")
    with open(offtopic, "w") as f:
        for path in public(a.kit):
            f.write("".join(json.dumps(q) + "\n" for q in load(path) if "gold" not in q))
    # The same held-out questions asked of the article alone, for comparison.
    plain = os.path.join(work, "plain", "corpus")
    os.makedirs(plain, exist_ok=True)
    for name in os.listdir(os.path.join(ROOT, "corpus")):
        if name.endswith(".md"):
            shutil.copy(os.path.join(ROOT, "corpus", name), plain)
    plain_index = os.path.join(work, "plain", "index")
    rows = []
    print("| fold | phrasings | held out (answerable / off-topic) | first and confident | top-3 | off-topic abstention | public off-topic abstention | without phrasings: first and confident / top-3 / abstention |")
    print("|---|---|---|---|---|---|---|---|")
    for k in range(a.folds):
        corpus, index, questions, n, held = make_corpus(a.kit, work, k, a.folds)
        b = subprocess.run(cmd + ["--corpus", corpus, "--index", index, "index"], capture_output=True, text=True)
        if b.returncode != 0:
            sys.exit(f"index failed: {b.stderr[-400:]}")
        s = score(a.kit, cmd, corpus, index, questions)
        o = score(a.kit, cmd, corpus, index, offtopic)
        w = score(a.kit, cmd, plain, plain_index, questions)
        answerable = sum(1 for q in held if "gold" in q)
        rows.append((s["hit1"], s["hit3"], s["noanswer"], o["noanswer"], w["hit1"], w["hit3"], w["noanswer"]))
        print(f"| {k + 1} | {n} | {answerable} / {len(held) - answerable} | {s['hit1']:.3f} | {s['hit3']:.3f} | {s['noanswer']:.3f} | {o['noanswer']:.3f} | {w['hit1']:.3f} / {w['hit3']:.3f} / {w['noanswer']:.3f} |")
    mean = [sum(r[i] for r in rows) / len(rows) for i in range(7)]
    print(f"| mean | | | {mean[0]:.3f} | {mean[1]:.3f} | {mean[2]:.3f} | {mean[3]:.3f} | {mean[4]:.3f} / {mean[5]:.3f} / {mean[6]:.3f} |")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
