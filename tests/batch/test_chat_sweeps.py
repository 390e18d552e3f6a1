"""Chat datasets and attachments in a sweep: the spec's `[prompt]` chat keys and
`[prompt.attachments]`, the Python form (`Sweep(prompt=PromptTemplate(...))`), task keys
that hash the rendered messages (attachments by digest), and bad rows stopped before
anything is sent, with the file, line and column named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep, load_spec
from orkit.data import PromptTemplate
from orkit.errors import DatasetError, SpecError
from orkit.plan import prepare

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
MODEL = "openai/gpt-4o-mini"

SPEC = """
dataset = "chats.jsonl"
models = ["openai/gpt-4o-mini"]
endpoint = "sim"

[prompt]
system = "Be terse."
messages = "conversation"
template = "And {{ topic }}?"
few_shot = "shots.jsonl"
prefill = "Answer:"

[prompt.attachments]
images = ["photo"]
pdfs = ["doc"]
pdf_engine = "cloudflare-ai"
max_part_mb = 2
"""


def _conv(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A spec, its dataset (a chat column, an image and a PDF per row) and few-shot file."""
    shutil.copytree(MEDIA, tmp_path / "media")
    rows = [
        {
            "id": f"r{i}",
            "conversation": _conv(f"Look at picture {i}, {{{{ topic }}}}."),
            "topic": f"topic {i}",
            "photo": "media/red-square.png" if i % 2 else "media/red-square.jpg",
            "doc": "media/invoice.pdf" if i == 0 else None,
        }
        for i in range(3)
    ]
    (tmp_path / "chats.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "shots.jsonl").write_text('{"input": "1+1?", "output": "2"}\n')
    (tmp_path / "spec.toml").write_text(SPEC)
    return tmp_path


def test_the_spec_reads_chat_keys_and_attachments(project: Path) -> None:
    sweep = load_spec(project / "spec.toml")
    variant = sweep.prompts["default"]
    assert variant["messages"] == "conversation" and variant["prefill"] == "Answer:"
    assert variant["few_shot"] == str(project / "shots.jsonl")  # relative to the spec file
    assert variant["attachments"] == {
        "images": ["photo"],
        "pdfs": ["doc"],
        "pdf_engine": "cloudflare-ai",
        "max_part_mb": 2,
    }
    again = load_spec_text(project, sweep.to_toml())
    assert again.prompts == sweep.prompts


def load_spec_text(project: Path, text: str) -> Sweep:
    path = project / "again.toml"
    path.write_text(text)
    return load_spec(path)


def test_the_first_task_sends_system_shots_conversation_user_and_prefill(project: Path) -> None:
    sweep = load_spec(project / "spec.toml")
    first = next(iter(sweep.tasks()))
    messages = json.loads(first.messages_json)
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "user",
        "assistant",
    ]
    assert messages[3]["content"] == "Look at picture 0, topic 0."
    final = messages[4]["content"]
    assert final[0] == {"type": "text", "text": "And topic 0?"}
    assert [p["type"] for p in final[1:]] == ["image_url", "file"]
    assert messages[5] == {"role": "assistant", "content": "Answer:"}
    assert "base64" not in first.messages_json  # digests, not data


@pytest.mark.parametrize(
    ("table", "field", "error"),
    [
        ({"messages": 3}, "prompts.default.messages", "must be a string"),
        ({"template": "x", "colour": 1}, "prompt.colour", "unknown key"),
        ({"messages": "c", "attachments": {"imgs": ["a"]}}, "prompt.attachments.imgs", "unknown"),
        (
            {"messages": "c", "attachments": {"images": "a", "pdf_engine": "x"}},
            "prompts.default",
            "pdf_engine",
        ),
        ({"messages": "c", "few_shot": "nope.jsonl"}, "prompts.default", "cannot read"),
        (
            {"messages": "c", "render_messages": "yes"},
            "prompts.default.render_messages",
            "true or false",
        ),
    ],
)
def test_bad_chat_keys_name_the_spec_field(
    tmp_path: Path, table: dict[str, Any], field: str, error: str
) -> None:
    lines = ['dataset = "d.jsonl"', f'models = ["{MODEL}"]', 'endpoint = "sim"', "[prompt]"]
    for key, value in table.items():
        if isinstance(value, dict):
            continue
        lines.append(f"{key} = {json.dumps(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            lines.append(f"[prompt.{key}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in value.items()]
    (tmp_path / "spec.toml").write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=rf"field '{field}'.*{error}"):
        load_spec(tmp_path / "spec.toml")


def test_the_python_form_is_a_prompt_template(tmp_path: Path) -> None:
    data = [{"id": "a", "chat": _conv("hi {{ who }}"), "who": "you"}]
    sweep = Sweep(
        dataset=data,
        models=[MODEL],
        prompt=PromptTemplate(messages="chat", system="S", prefill="P", name="chatty"),
        endpoint="sim",
        out=str(tmp_path),
    )
    assert sweep.prompts == {"chatty": {"system": "S", "messages": "chat", "prefill": "P"}}
    (task,) = sweep.tasks()
    assert task.prompt_id == "chatty"
    assert json.loads(task.messages_json) == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "hi you"},
        {"role": "assistant", "content": "P"},
    ]
    several = Sweep(
        dataset=data,
        models=[MODEL],
        prompts={"plain": {"template": "{{ who }}"}, "chat": PromptTemplate(messages="chat")},
        endpoint="sim",
    )
    assert several.prompts["chat"] == {"messages": "chat"}


def _keys(rows: list[dict[str, Any]], base: Path, **prompt: Any) -> list[str]:
    sweep = Sweep(
        dataset=rows, models=[MODEL], prompt=PromptTemplate(**prompt), endpoint="sim", out=str(base)
    )
    return [t.key for t in sweep.tasks()]


def test_keys_hash_the_rendered_messages(tmp_path: Path) -> None:
    rows = [{"id": "a", "chat": _conv("x {{ v }}"), "v": 1}]
    same = _keys(rows, tmp_path, messages="chat")
    assert same == _keys(rows, tmp_path, messages="chat")  # the same rendering, the same key
    # the same messages reached another way (the row's own system message, or the prompt's
    # same system): the same key
    own = [{"id": "a", "chat": [{"role": "system", "content": "S"}, *_conv("x")]}]
    assert _keys(own, tmp_path, messages="chat", system="S") == _keys(
        own, tmp_path, messages="chat"
    )
    assert _keys(rows, tmp_path, messages="chat", prefill="A") != same  # a message more
    assert _keys(rows, tmp_path, messages="chat", system="S") != same
    changed = [{"id": "a", "chat": _conv("x {{ v }}!"), "v": 1}]
    assert _keys(changed, tmp_path, messages="chat") != same


def test_keys_hash_the_attachments_content_not_its_name(tmp_path: Path) -> None:
    monkey_dir = tmp_path / "imgs"
    monkey_dir.mkdir()
    shutil.copy(MEDIA / "red-square.png", monkey_dir / "a.png")
    rows = [{"id": "a", "q": "?", "photo": str(monkey_dir / "a.png")}]
    spec = {"user": "{{ q }}", "attachments": {"images": ["photo"]}}
    first = _keys(rows, tmp_path, **spec)
    assert first == _keys(rows, tmp_path, **spec)
    shutil.copy(MEDIA / "red-square.gif", monkey_dir / "a.png")  # new content, same name
    assert _keys(rows, tmp_path, **spec) != first


def test_a_bad_row_stops_the_run_before_anything_is_sent(project: Path) -> None:
    path = project / "chats.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[1]["conversation"] = [{"role": "robot", "content": "x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DatasetError) as caught:
        prepare(load_spec(project / "spec.toml"))
    assert str(caught.value) == (
        f"{path}, line 2, field 'conversation': message 0: role must be one of system, user, "
        "assistant, tool, got 'robot'"
    )


def test_an_oversized_image_stops_the_run_naming_row_column_and_file(project: Path) -> None:
    big = project / "media" / "big.png"
    big.write_bytes((MEDIA / "red-square.png").read_bytes() + b"\0" * 2_100_000)
    path = project / "chats.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[2]["photo"] = "media/big.png"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(
        DatasetError, match=r"line 3, field 'photo': file 'media/big.png' is 2.1 MB"
    ):
        prepare(load_spec(project / "spec.toml"))


def test_a_prompt_template_takes_the_sweeps_system_and_refuses_prompts_beside_it() -> None:
    data = [{"chat": _conv("hi")}]
    sweep = Sweep(
        dataset=data,
        models=[MODEL],
        prompt=PromptTemplate(messages="chat"),
        system="S",
        endpoint="sim",
    )
    assert sweep.prompts == {"default": {"system": "S", "messages": "chat"}}
    with pytest.raises(SpecError, match="give prompt or prompts, not both"):
        Sweep(
            dataset=data,
            models=[MODEL],
            prompt=PromptTemplate(messages="chat"),
            prompts={"x": {"template": "y"}},
            endpoint="sim",
        )
