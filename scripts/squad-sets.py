#!/usr/bin/env python3
"""Writes the SQuAD evaluation sets QUALITY.md and BENCHMARKS.md measure on, from the
public SQuAD v1.1 development set.

    curl -LO https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v1.1.json
    scripts/squad-sets.py dev-v1.1.json target/squad

writes target/squad/articles.jsonl (24 articles: {"title", "paragraphs": [...]}) and
target/squad/questions.jsonl (5,397 questions: {"id", "title", "question",
"answers": [...], "paragraph": i}, `paragraph` being the 0-based index of the
paragraph the question was written about). The 24 articles are every other one of
the development set's 48, from the first (ARTICLES below).

SQuAD: Rajpurkar, Zhang, Lopyrev, Liang, "SQuAD: 100,000+ Questions for Machine
Comprehension of Text", EMNLP 2016. Licence CC BY-SA 4.0: the files written are a
format conversion of that data; keep the attribution with them.
"""

import json
import os
import sys

ARTICLES = [
    "Super_Bowl_50", "Normans", "Computational_complexity_theory", "Martin_Luther",
    "Sky_(United_Kingdom)", "Huguenot", "Oxygen", "Apollo_program", "Amazon_rainforest",
    "Fresno,_California", "Black_Death", "Newcastle_upon_Tyne",
    "American_Broadcasting_Company", "Pharmacy", "Civil_disobedience", "Private_school",
    "Jacksonville,_Florida", "Doctor_Who", "Yuan_dynasty",
    "Intergovernmental_Panel_on_Climate_Change", "Prime_number", "Scottish_Parliament",
    "Imperialism", "French_and_Indian_War",
]


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: scripts/squad-sets.py dev-v1.1.json OUT_DIR")
    source, out = argv[1], argv[2]
    with open(source, encoding="utf-8") as f:
        data = {a["title"]: a for a in json.load(f)["data"]}
    missing = [t for t in ARTICLES if t not in data]
    if missing:
        sys.exit(f"{source} lacks {', '.join(missing)}: is it SQuAD v1.1's dev-v1.1.json?")
    os.makedirs(out, exist_ok=True)
    questions = 0
    with open(os.path.join(out, "articles.jsonl"), "w", encoding="utf-8") as a, open(
        os.path.join(out, "questions.jsonl"), "w", encoding="utf-8"
    ) as q:
        for title in ARTICLES:
            paragraphs = data[title]["paragraphs"]
            line = {"title": title, "paragraphs": [p["context"] for p in paragraphs]}
            a.write(json.dumps(line, ensure_ascii=False) + "\n")
            for i, p in enumerate(paragraphs):
                for qa in p["qas"]:
                    line = {
                        "id": qa["id"],
                        "title": title,
                        "question": qa["question"],
                        "answers": [x["text"] for x in qa["answers"]],
                        "paragraph": i,
                    }
                    q.write(json.dumps(line, ensure_ascii=False) + "\n")
                    questions += 1
    print(f"squad-sets: wrote {len(ARTICLES)} articles and {questions} questions to {out}")


if __name__ == "__main__":
    main(sys.argv)
