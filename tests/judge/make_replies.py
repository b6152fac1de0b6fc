#!/usr/bin/python3
"""Writes replies.jsonl, the parser's specification: realistic judge replies and the outcome the
parser must give for each. Edit the table below and re-run (from this folder) to change it.

Each line: {"name", "set": "summeval" | "brighter" | "fluency" (one criterion), "reply",
            "status": reply status, "expect": {criterion: number (ok) | outcome name}}
Criteria not in "expect" must come out as "rest" (default "missing")."""
import json

S = "summeval"
B = "brighter"
F = "fluency"
ALL4 = {"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2}
J4 = '{"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2}'

cases = [
  # --- clean and fenced JSON ---------------------------------------------------------------
  ("plain object", S, J4, "ok", ALL4),
  ("pretty printed", S, '{\n  "fluency": 4,\n  "relevance": 3,\n  "coherence": 5,\n  "consistency": 2\n}', "ok", ALL4),
  ("json fence (the reference's smoke run)", S, '```json\n{\n  "fluency": 5,\n  "relevance": 5,\n  "coherence": 5,\n  "consistency": 5\n}\n```', "ok",
   {"fluency": 5, "relevance": 5, "coherence": 5, "consistency": 5}),
  ("bare fence", S, "```\n" + J4 + "\n```", "ok", ALL4),
  ("fence on one line", S, "```json " + J4 + "```", "ok", ALL4),
  ("JSON upper-case fence tag", S, "```JSON\n" + J4 + "\n```", "ok", ALL4),
  ("unclosed fence", S, "```json\n" + J4, "ok", ALL4),
  ("different key order", S, '{"consistency": 2, "coherence": 5, "relevance": 3, "fluency": 4}', "ok", ALL4),
  ("extra keys ignored", S, '{"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2, "overall": 3.5, "confidence": "high"}', "ok", ALL4),
  ("floats on the scale", S, '{"fluency": 4.0, "relevance": 3.0, "coherence": 5.0, "consistency": 2.0}', "ok", ALL4),
  ("minified with no spaces", S, '{"fluency":4,"relevance":3,"coherence":5,"consistency":2}', "ok", ALL4),
  ("CRLF line endings", S, '{\r\n "fluency": 4,\r\n "relevance": 3,\r\n "coherence": 5,\r\n "consistency": 2\r\n}\r\n', "ok", ALL4),
  # --- talk around the JSON ------------------------------------------------------------------
  ("preamble", S, "Here is my evaluation of the summary:\n\n" + J4, "ok", ALL4),
  ("preamble and fence", S, "Sure! Here are the scores:\n```json\n" + J4 + "\n```", "ok", ALL4),
  ("trailing explanation", S, J4 + "\n\nThe summary is mostly fluent but misses the main point about the rescue.", "ok", ALL4),
  ("preamble and trailing talk", S, "Evaluation:\n" + J4 + "\nLet me know if you need reasoning.", "ok", ALL4),
  ("reasoning then JSON", S, "The summary repeats a sentence, which hurts coherence. It invents a number, so consistency is low.\nFinal answer: " + J4, "ok", ALL4),
  ("think block first (reasoning model)", S, "<think>\nThe summary is short. Fluency {is fine}.\n</think>\n\n" + J4, "ok", ALL4),
  ("empty think block", S, "<think>\n\n</think>\n\n" + J4, "ok", ALL4),
  ("placeholder template before the answer", S, 'The format is {"fluency": <score>, ...}. My scores: ' + J4, "ok", ALL4),
  ("two objects: the first one with scores wins", S, J4 + '\nOn reflection: {"fluency": 1, "relevance": 1, "coherence": 1, "consistency": 1}', "ok", ALL4),
  ("braces in the trailing talk", S, J4 + " (I ignored the {template} braces.)", "ok", ALL4),
  ("markdown bold around the fence", S, "**Scores**\n\n```json\n" + J4 + "\n```\n\n**Reasoning:** the summary is short.", "ok", ALL4),
  # --- quoting and brace oddities -------------------------------------------------------------
  ("smart double quotes", S, "{\u201cfluency\u201d: 4, \u201crelevance\u201d: 3, \u201ccoherence\u201d: 5, \u201cconsistency\u201d: 2}", "ok", ALL4),
  ("whole reply in smart quotes", S, "\u201c" + J4 + "\u201d", "ok", ALL4),
  ("guillemets", S, "{\u00abfluency\u00bb: 4, \u00abrelevance\u00bb: 3, \u00abcoherence\u00bb: 5, \u00abconsistency\u00bb: 2}", "ok", ALL4),
  ("single quotes (a Python dict)", S, "{'fluency': 4, 'relevance': 3, 'coherence': 5, 'consistency': 2}", "ok", ALL4),
  ("curly single quotes", S, "{\u2018fluency\u2019: 4, \u2018relevance\u2019: 3, \u2018coherence\u2019: 5, \u2018consistency\u2019: 2}", "ok", ALL4),
  ("doubled braces (a template echoed)", S, '{{"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2}}', "ok", ALL4),
  ("bare keys", S, "{fluency: 4, relevance: 3, coherence: 5, consistency: 2}", "ok", ALL4),
  ("trailing comma", S, '{"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2,}', "ok", ALL4),
  ("whole reply quoted as a string", S, '"' + J4.replace('"', '\\"') + '"', "ok", ALL4),
  ("apostrophe inside a value", S, '{"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2, "note": "it\u2019s fine"}', "ok", ALL4),
  ("unicode escape in a key", S, '{"fl\\u0075ency": 4, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", ALL4),
  ("Python True/None among extra keys", S, "{'fluency': 4, 'relevance': 3, 'coherence': 5, 'consistency': 2, 'confident': True, 'notes': None}", "ok", ALL4),
  # --- numbers as strings and nested shapes ---------------------------------------------------
  ("numbers as strings", S, '{"fluency": "4", "relevance": "3", "coherence": "5", "consistency": "2"}', "ok", ALL4),
  ("strings with spaces", S, '{"fluency": " 4 ", "relevance": "3.0", "coherence": "5", "consistency": "2"}', "ok", ALL4),
  ("x/5 strings", S, '{"fluency": "4/5", "relevance": "3 / 5", "coherence": "5/5", "consistency": "2 out of 5"}', "ok", ALL4),
  ("x/10 is not a 1-5 score", S, '{"fluency": "8/10", "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("nested scores object", S, '{"scores": ' + J4 + "}", "ok", ALL4),
  ("nested two levels", S, '{"evaluation": {"summary_id": 7, "scores": ' + J4 + "}}", "ok", ALL4),
  ("per-criterion objects with score and reason", S,
   '{"fluency": {"score": 4, "reason": "minor typos"}, "relevance": {"score": 3}, "coherence": {"rating": 5}, "consistency": {"value": "2"}}', "ok", ALL4),
  ("a list holding the object", S, "[" + J4 + "]", "ok", ALL4),
  ("capitalised keys", S, '{"Fluency": 4, "Relevance": 3, "Coherence": 5, "Consistency": 2}', "ok", ALL4),
  ("keys with a _score suffix", S, '{"fluency_score": 4, "relevance_score": 3, "coherence_score": 5, "consistency_score": 2}', "ok", ALL4),
  ("duplicate key: the last one counts", S, '{"fluency": 2, "relevance": 3, "coherence": 5, "consistency": 2, "fluency": 4}', "ok", ALL4),
  # --- partly bad -----------------------------------------------------------------------------
  ("one criterion missing", S, '{"fluency": 4, "relevance": 3, "coherence": 5}', "ok", {**ALL4, "consistency": "missing"}),
  ("score above the scale", S, '{"fluency": 6, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "out_of_range"}),
  ("score below the scale", S, '{"fluency": 0, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "out_of_range"}),
  ("negative score", S, '{"fluency": 4, "relevance": -1, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "relevance": "out_of_range"}),
  ("half point", S, '{"fluency": 4.5, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "off_scale"}),
  ("ten-point scale used", S, '{"fluency": 8, "relevance": 7, "coherence": 9, "consistency": 10}', "ok",
   {"fluency": "out_of_range", "relevance": "out_of_range", "coherence": "out_of_range", "consistency": "out_of_range"}),
  ("huge number", S, '{"fluency": 1e400, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "out_of_range"}),
  ("word instead of a number", S, '{"fluency": "high", "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("null score", S, '{"fluency": null, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("boolean score", S, '{"fluency": true, "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("list score", S, '{"fluency": [4], "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("empty string score", S, '{"fluency": "", "relevance": 3, "coherence": 5, "consistency": 2}', "ok", {**ALL4, "fluency": "not_a_number"}),
  ("object without the criteria", S, '{"score": 4, "reason": "good"}', "ok", {}),
  ("empty object", S, "{}", "ok", {}),
  ("criteria of another data set", S, '{"anger": 0, "fear": 1}', "ok", {}),
  # --- unusable replies -------------------------------------------------------------------------
  ("empty reply", S, "", "empty", {}, "unparsable"),
  ("white space only", S, "  \n\t ", "empty", {}, "unparsable"),
  ("refusal", S, "I'm sorry, but I can't evaluate this summary.", "no_json", {}, "unparsable"),
  ("scores in prose", S, "Fluency: 4, Relevance: 3, Coherence: 5, Consistency: 2", "no_json", {}, "unparsable"),
  ("only thinking, no answer", S, "<think>The summary looks fine, maybe a 4.</think>", "empty", {}, "unparsable"),
  ("truncated by max_tokens", S, '{"fluency": 4, "relevance": 3, "coher', "no_json", {}, "unparsable"),
  ("placeholders only", S, '{"fluency": <score>, "relevance": <score>, "coherence": <score>, "consistency": <score>}', "invalid_json", {}, "unparsable"),
  ("unbalanced closing brace", S, '"fluency": 4, "relevance": 3}', "no_json", {}, "unparsable"),
  ("garbage between braces", S, "{this is not json at all}", "invalid_json", {}, "unparsable"),
  ("scores as a list of pairs", S, '{"scores": [["fluency", 4], ["relevance", 3]]}', "ok", {"fluency": 4, "relevance": 3}),
  ("scores as a list of named objects", S,
   '[{"criterion": "fluency", "score": 4}, {"criterion": "relevance", "score": 3}, {"name": "Coherence", "rating": "5"}, {"aspect": "consistency", "value": 2}]', "ok", ALL4),
  ("a list of numbers is not a score list", S, '{"scores": [4, 3, 5, 2]}', "ok", {}),
  # --- BRIGHTER ---------------------------------------------------------------------------------
  ("brighter plain", B, '{"anger": 0, "fear": 2, "joy": 0, "sadness": 1, "surprise": 3}', "ok",
   {"anger": 0, "fear": 2, "joy": 0, "sadness": 1, "surprise": 3}),
  ("brighter 4 is out of 0..3", B, '{"anger": 4, "fear": 2, "joy": 0, "sadness": 1, "surprise": 3}', "ok",
   {"anger": "out_of_range", "fear": 2, "joy": 0, "sadness": 1, "surprise": 3}),
  ("brighter x/3 strings", B, '{"anger": "0/3", "fear": "2/3", "joy": "0", "sadness": "1", "surprise": "3/3"}', "ok",
   {"anger": 0, "fear": 2, "joy": 0, "sadness": 1, "surprise": 3}),
  ("brighter Title-case emotions in a fence", B, '```json\n{"Anger": 1, "Fear": 0, "Joy": 3, "Sadness": 0, "Surprise": 2}\n```', "ok",
   {"anger": 1, "fear": 0, "joy": 3, "sadness": 0, "surprise": 2}),
  ("brighter nested emotions", B, '{"emotions": {"anger": 0, "fear": 0, "joy": 2, "sadness": 0, "surprise": 0}}', "ok",
   {"anger": 0, "fear": 0, "joy": 2, "sadness": 0, "surprise": 0}),
  ("brighter missing disgust is fine, missing joy is not", B, '{"anger": 0, "fear": 0, "sadness": 0, "surprise": 0, "disgust": 1}', "ok",
   {"anger": 0, "fear": 0, "joy": "missing", "sadness": 0, "surprise": 0}),
  # --- one criterion (per-criterion layout) ----------------------------------------------------
  ("single criterion object", F, '{"fluency": 3}', "ok", {"fluency": 3}),
  ("single criterion bare number", F, "4", "ok", {"fluency": 4}),
  ("single criterion number in backticks", F, "`5`", "ok", {"fluency": 5}),
  ("single criterion number with a period", F, "2.", "ok", {"fluency": 2}),
  ("single criterion bare number out of range", F, "7", "ok", {"fluency": "out_of_range"}),
  ("single criterion sentence is not accepted", F, "I would rate it a 4.", "no_json", {}, "unparsable"),
]

with open("replies.jsonl", "w", encoding="utf-8") as out:
    names = set()
    for case in cases:
        name, st, reply, status, expect = case[:5]
        rest = case[5] if len(case) > 5 else "missing"
        assert name not in names, name
        names.add(name)
        out.write(json.dumps({"name": name, "set": st, "reply": reply, "status": status, "expect": expect, "rest": rest}, ensure_ascii=False) + "\n")
print(len(cases), "cases")
