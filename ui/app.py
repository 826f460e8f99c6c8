"""Chat with the news bulletins: streamed answers with cited, highlighted sources.

Run ``streamlit run ui/app.py`` from the project root. The page renders and
calls ``qa``; answering, retrieval and ingest live there, the markdown for an
Answer in ``ui.render`` and staging an upload in ``ui.upload``. Errors show
as one line, never a traceback.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from datetime import date
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` puts only ui/ on the path

import qa  # noqa: E402
from qa.answer import Preview  # noqa: E402
from qa.api import get_store, llm_config, settings  # noqa: E402
from qa.store import Store  # noqa: E402
from ui import render  # noqa: E402
from ui.upload import UPLOAD_SUFFIXES, add_upload  # noqa: E402

st.set_page_config(page_title="Bulletin QA", page_icon="📰")
log = logging.getLogger("ui.app")


@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def load_store(path: str, chroma_url: str | None) -> Store:
    store = get_store(path, chroma_url=chroma_url, warm=True)
    store.embedder()  # load the model once per process, not on the first question
    return store


@st.cache_resource(show_spinner=False)
def warm_model(local: bool) -> threading.Thread | None:
    """Start the bundled model's server beside the page (once per process), so the first question doesn't wait."""
    if not local:
        return None
    from qa import model_server

    def start() -> None:
        try:
            model_server.shared()
        except qa.QAError as exc:  # the first question shows the notice and the extractive answer
            log.warning("local model: %s", exc)

    thread = threading.Thread(target=start, name="model-server", daemon=True)
    thread.start()
    return thread


def progress_bar(label: str):
    bar = st.progress(0.0, text=label)
    return bar, lambda status: bar.progress(*render.progress_text(status))


def failed(exc: Exception) -> str:
    if not isinstance(exc, qa.QAError):
        log.exception("unexpected error")  # the traceback goes to the server log, not the page
    return render.one_line(exc)


def show(answer: qa.Answer) -> None:
    fallback, notes = render.split_notices(answer)
    for notice in fallback:
        st.warning(notice, icon=":material/warning:")
    if answer.refused:
        st.info(answer.text, icon=":material/search_off:")
        if answer.passages:  # what the search found, for the reader to judge: not citations
            with st.expander(render.nearest_label(answer.passages)):
                st.markdown(render.nearest_markdown(answer.passages), unsafe_allow_html=True)
    else:
        st.markdown(render.answer_markdown(answer), unsafe_allow_html=True)
    for c in answer.citations:
        with st.expander(render.citation_label(c)):
            st.caption(render.source_line(c), unsafe_allow_html=True)
            st.markdown(render.passage_markdown(c), unsafe_allow_html=True)
    st.caption(render.escape(" · ".join([f"{answer.mode}, {answer.seconds:.1f} s", *notes])))


try:
    s = settings()
    llm = llm_config(s)
    store = load_store(str(s.store), s.chroma_url)
    warm_model(bool(llm and llm.local))
    if store.catalog.counts()["articles"] == 0:
        bar, update = progress_bar("Indexing the bundled bulletin…")
        qa.ingest(store=store, progress=update)
        bar.empty()
except Exception as exc:
    st.error(failed(exc))
    st.stop()

with st.sidebar:
    st.header("Bulletin QA")
    st.markdown(f"**Answers:** {render.mode_label(llm.label if llm else None)}")
    k = st.slider("Passages per answer (top-k)", 1, 20, min(s.k, 20))
    since = st.date_input("From", value=None, min_value=date(1900, 1, 1), format="YYYY-MM-DD")
    until = st.date_input("Until", value=None, min_value=date(1900, 1, 1), format="YYYY-MM-DD")
    stats = st.container()
    upload = st.file_uploader("Add a bulletin", type=[x.lstrip(".") for x in UPLOAD_SUFFIXES])
    if upload is not None and upload.file_id != st.session_state.get("uploaded_id"):
        st.session_state.uploaded_id = upload.file_id
        bar, update = progress_bar(f"Indexing {upload.name}…")
        try:
            report = add_upload(upload.name, upload.getvalue(), store, progress=update)
            st.session_state.upload_notes = [("success", f"{upload.name}: {report.summary()}")] + [
                ("warning", w) for w in report.warnings
            ]
        except Exception as exc:
            st.session_state.upload_notes = [("error", failed(exc))]
        bar.empty()
    for kind, text in st.session_state.get("upload_notes", []):
        getattr(st, kind)(text)
    st.button("Clear chat", on_click=lambda: st.session_state.update(messages=[]))
    n = store.catalog.counts()
    stats.markdown(f"**Index:** {n['articles']} articles · {n['chunks']} chunks · {n['files']} file(s)")
    stats.caption(f"Last ingest: {store.catalog.last_ingest() or 'never'}")

st.title("Ask the bulletins")
st.caption("Answers come only from the indexed bulletins; every sentence cites its source.")
messages = st.session_state.setdefault("messages", [])
for m in messages:
    with st.chat_message(m["role"]):
        if "answer" in m:
            show(m["answer"])
        elif "error" in m:
            st.error(m["error"])
        else:
            st.markdown(render.escape(m["content"]))

if question := st.chat_input("Ask about the bulletins"):
    history = [{"role": m["role"], "content": m["content"]} for m in messages if "error" not in m]
    messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(render.escape(question))
    with st.chat_message("assistant"):
        final: list[qa.Answer] = []
        quick, slot = st.empty(), st.empty()  # the quick answer while the model reads; the stream, then the answer

        def deltas(items):
            for item in items:
                if isinstance(item, str):
                    yield item
                else:
                    final.append(item)

        try:
            items = iter(qa.ask_stream(question, store=store, k=k, since=since, until=until, history=history))
            first = next(items)
            if isinstance(first, Preview):  # the extractive answer at once, then the model's streams in below it
                with quick.container():
                    st.caption(render.QUICK_LABEL)
                    show(first.answer)
                    st.caption(render.READING_LABEL)
            else:
                items = itertools.chain([first], items)
            slot.write_stream(deltas(items))
            quick.empty()  # the final answer replaces the quick one
            with slot.container():
                show(final[-1])
            messages.append({"role": "assistant", "content": final[-1].text, "answer": final[-1]})
        except Exception as exc:
            line = failed(exc)
            slot.error(line)
            messages.append({"role": "assistant", "content": "", "error": line})
