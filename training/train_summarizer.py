#!/usr/bin/env python3
"""Fine-tunes an open model (Llama 3.1 8B Instruct by default) into Second Brain's summarizer.

Unsloth loads the base model (optionally in 4 bit), adds LoRA adapters, and TRL's SFTTrainer
trains them on the distilled dataset's Alpaca-formatted samples; the merged model is pushed to
the Hugging Face Hub. Parameterized by one JSON config (see domain/training-config.ts, which
writes it); every field has the default below.

Output protocol (what the fineTune workflow parses from stdout, or from the job's logs):
  {"event": "metrics", "step": 10, "loss": 1.23, "learningRate": 0.0002, "epoch": 0.5}
  {"event": "dry-run", "config": {...}, "counts": {"train": n, ...}, "example": "..."}
  {"event": "result", "repoId": "you/model", "revision": "<commit sha>", "trainLoss": 0.9}
Metrics also go to `metricsFile` (JSON lines) when set.

`--dry-run` validates the config and loads and formats the dataset with the standard library
only: no GPU, no Unsloth, no network unless the dataset must come from the Hub.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import urllib.request
from typing import Any, Dict, List, Tuple

DEFAULT_PROMPT_TEMPLATE = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n"
    "### Input:\n{input}\n\n"
    "### Response:\n{response}"
)

DEFAULT_PROMPT_INSTRUCTION = (
    "You are a helpful assistant specialized in summarizing documents. Generate a concise TL;DR "
    "summary in markdown format of the key findings of the provided document, keeping its "
    "section titles, key entities and findings."
)

DEFAULTS: Dict[str, Any] = {
    "baseModel": "unsloth/Meta-Llama-3.1-8B-Instruct",
    "maxSeqLength": 4096,
    "loadIn4bit": False,
    "lora": {
        "r": 16,
        "alpha": 16,
        "dropout": 0.0,
        "targetModules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    },
    "training": {
        "learningRate": 2e-4,
        "perDeviceTrainBatchSize": 2,
        "gradientAccumulationSteps": 4,
        "warmupSteps": 5,
        "maxSteps": None,
        "numTrainEpochs": 1,
        "optimizer": "adamw_8bit",
        "weightDecay": 0.01,
        "lrSchedulerType": "linear",
        "seed": 3407,
        "packing": True,
        "loggingSteps": 1,
    },
    "prompt": {"template": DEFAULT_PROMPT_TEMPLATE, "instruction": DEFAULT_PROMPT_INSTRUCTION},
    "dataset": {"localDir": None, "hubRepo": None, "revision": "main"},
    "outputRepo": None,
    "pushToHub": True,
    "metricsFile": None,
}

SPLITS = ("train", "validation", "test")


class ConfigError(ValueError):
    """A config problem: named field, expected value. Exit code 2."""


def merge(defaults: Dict[str, Any], given: Dict[str, Any]) -> Dict[str, Any]:
    merged = dict(defaults)
    for key, value in given.items():
        if key not in defaults:
            raise ConfigError(f"{key}: unknown field")
        if isinstance(defaults[key], dict) and defaults[key] and isinstance(value, dict):
            merged[key] = merge(defaults[key], value)
        else:
            merged[key] = value
    return merged


def validate(config: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """Problems (the run cannot start) and warnings (a dry run may go on, a real run may not)."""
    problems: List[str] = []
    warnings: List[str] = []

    def positive_int(path: str, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{path}: must be a positive integer (got {value!r})")

    def number(path: str, value: Any, low: float, high: float) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not (low <= value <= high):
            problems.append(f"{path}: must be a number in [{low}, {high}] (got {value!r})")

    if not isinstance(config["baseModel"], str) or not config["baseModel"]:
        problems.append("baseModel: must be a model id")
    positive_int("maxSeqLength", config["maxSeqLength"])
    if not isinstance(config["loadIn4bit"], bool):
        problems.append("loadIn4bit: must be true or false")
    lora = config["lora"]
    positive_int("lora.r", lora["r"])
    positive_int("lora.alpha", lora["alpha"])
    number("lora.dropout", lora["dropout"], 0, 1)
    if not isinstance(lora["targetModules"], list) or not lora["targetModules"]:
        problems.append("lora.targetModules: must be a non-empty list of module names")
    training = config["training"]
    number("training.learningRate", training["learningRate"], 0, 1)
    positive_int("training.perDeviceTrainBatchSize", training["perDeviceTrainBatchSize"])
    positive_int("training.gradientAccumulationSteps", training["gradientAccumulationSteps"])
    if not isinstance(training["warmupSteps"], int) or training["warmupSteps"] < 0:
        problems.append("training.warmupSteps: must be a non-negative integer")
    if training["maxSteps"] is None:
        number("training.numTrainEpochs", training["numTrainEpochs"], 0.01, 1000)
    else:
        positive_int("training.maxSteps", training["maxSteps"])
    number("training.weightDecay", training["weightDecay"], 0, 1)
    if not isinstance(training["seed"], int) or isinstance(training["seed"], bool):
        problems.append("training.seed: must be an integer")
    if not isinstance(training["packing"], bool):
        problems.append("training.packing: must be true or false")
    template = config["prompt"]["template"]
    for field in ("{instruction}", "{input}", "{response}"):
        if not isinstance(template, str) or field not in template:
            problems.append(f"prompt.template: must contain {field}")
    dataset = config["dataset"]
    if not dataset.get("localDir") and not dataset.get("hubRepo"):
        problems.append("dataset: set localDir or hubRepo")
    repo = config["outputRepo"]
    if repo is None and config["pushToHub"]:
        warnings.append('outputRepo: not set; a real run needs "namespace/name" to push the model')
    elif repo is not None and (not isinstance(repo, str) or repo.count("/") != 1):
        problems.append('outputRepo: must be "namespace/name"')
    return problems, warnings


def load_config(path: str, dry_run: bool = False) -> Tuple[Dict[str, Any], List[str]]:
    with open(path, encoding="utf-8") as handle:
        given = json.load(handle)
    if not isinstance(given, dict):
        raise ConfigError("(config): must be a JSON object")
    config = merge(DEFAULTS, given)
    problems, warnings = validate(config)
    if not dry_run:
        problems, warnings = problems + warnings, []
    if problems:
        raise ConfigError("; ".join(problems))
    return config, warnings


def read_jsonl(text: str, source: str) -> List[Dict[str, str]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("instruction"), str) or not isinstance(row.get("answer"), str):
            raise ConfigError(f"{source}:{number}: each row needs string fields instruction and answer")
        rows.append(row)
    return rows


def load_splits(dataset: Dict[str, Any]) -> Dict[str, List[Dict[str, str]]]:
    """Reads the dataset version's JSONL splits from a folder or from the Hub dataset repo."""
    splits: Dict[str, List[Dict[str, str]]] = {}
    for split in SPLITS:
        name = f"{split}.jsonl"
        if dataset.get("localDir"):
            path = os.path.join(dataset["localDir"], name)
            if not os.path.exists(path):
                raise ConfigError(f"dataset.localDir: {path} does not exist")
            with open(path, encoding="utf-8") as handle:
                splits[split] = read_jsonl(handle.read(), path)
        else:
            endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
            url = f"{endpoint}/datasets/{dataset['hubRepo']}/resolve/{dataset.get('revision') or 'main'}/{name}"
            request = urllib.request.Request(url)
            token = os.environ.get("HF_TOKEN")
            if token:
                request.add_header("Authorization", f"Bearer {token}")
            with urllib.request.urlopen(request, timeout=120) as response:
                splits[split] = read_jsonl(response.read().decode("utf-8"), url)
    if not splits["train"]:
        raise ConfigError("dataset: the train split is empty")
    return splits


def format_sample(config: Dict[str, Any], row: Dict[str, str], eos_token: str = "") -> str:
    prompt = config["prompt"]
    return (
        prompt["template"].format(
            instruction=prompt["instruction"], input=row["instruction"], response=row["answer"]
        )
        + eos_token
    )


def emit(event: Dict[str, Any], metrics_file: Any = None) -> None:
    line = json.dumps(event, separators=(",", ":"))
    print(line, flush=True)
    if metrics_file is not None and event.get("event") == "metrics":
        metrics_file.write(line + "\n")
        metrics_file.flush()


def dry_run(config: Dict[str, Any], warnings: List[str]) -> None:
    splits = load_splits(config["dataset"])
    formatted = [format_sample(config, row) for row in splits["train"]]
    training = config["training"]
    effective_batch = training["perDeviceTrainBatchSize"] * training["gradientAccumulationSteps"]
    steps = training["maxSteps"] or math.ceil(len(formatted) / effective_batch * training["numTrainEpochs"])
    emit(
        {
            "event": "dry-run",
            "config": config,
            "counts": {split: len(rows) for split, rows in splits.items()},
            "warnings": warnings,
            "estimatedSteps": steps,
            "longestSampleChars": max(len(text) for text in formatted),
            "example": formatted[0][:2000],
        }
    )


def train(config: Dict[str, Any]) -> None:  # pragma: no cover - needs a GPU
    # Imported here: the dry run and CI have neither a GPU nor these packages.
    import inspect

    from unsloth import FastLanguageModel, is_bfloat16_supported  # type: ignore
    from datasets import Dataset  # type: ignore
    from transformers import TrainerCallback  # type: ignore
    from trl import SFTConfig, SFTTrainer  # type: ignore

    splits = load_splits(config["dataset"])
    lora, training = config["lora"], config["training"]
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=config["baseModel"],
        max_seq_length=config["maxSeqLength"],
        load_in_4bit=config["loadIn4bit"],
        dtype=None,
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=lora["r"],
        lora_alpha=lora["alpha"],
        lora_dropout=lora["dropout"],
        target_modules=lora["targetModules"],
        bias="none",
        use_gradient_checkpointing="unsloth",
        random_state=training["seed"],
    )
    eos = tokenizer.eos_token or ""
    train_dataset = Dataset.from_dict({"text": [format_sample(config, row, eos) for row in splits["train"]]})
    eval_dataset = (
        Dataset.from_dict({"text": [format_sample(config, row, eos) for row in splits["validation"]]})
        if splits["validation"]
        else None
    )
    metrics_file = open(config["metricsFile"], "a", encoding="utf-8") if config["metricsFile"] else None

    class MetricsCallback(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: N802 - TRL's name
            logs = logs or {}
            if "loss" in logs:
                emit(
                    {
                        "event": "metrics",
                        "step": state.global_step,
                        "loss": logs["loss"],
                        "learningRate": logs.get("learning_rate"),
                        "epoch": logs.get("epoch"),
                    },
                    metrics_file,
                )
            if "eval_loss" in logs:
                emit({"event": "eval", "step": state.global_step, "evalLoss": logs["eval_loss"]})

    arguments: Dict[str, Any] = dict(
        output_dir="outputs",
        dataset_text_field="text",
        packing=training["packing"],
        per_device_train_batch_size=training["perDeviceTrainBatchSize"],
        gradient_accumulation_steps=training["gradientAccumulationSteps"],
        warmup_steps=training["warmupSteps"],
        learning_rate=training["learningRate"],
        fp16=not is_bfloat16_supported(),
        bf16=is_bfloat16_supported(),
        logging_steps=training["loggingSteps"],
        optim=training["optimizer"],
        weight_decay=training["weightDecay"],
        lr_scheduler_type=training["lrSchedulerType"],
        seed=training["seed"],
        report_to="none",
    )
    if training["maxSteps"]:
        arguments["max_steps"] = training["maxSteps"]
    else:
        arguments["num_train_epochs"] = training["numTrainEpochs"]
    # TRL renamed max_seq_length to max_length; pass whichever this version knows.
    parameters = inspect.signature(SFTConfig.__init__).parameters
    arguments["max_length" if "max_length" in parameters else "max_seq_length"] = config["maxSeqLength"]
    trainer_parameters = inspect.signature(SFTTrainer.__init__).parameters
    tokenizer_argument = "processing_class" if "processing_class" in trainer_parameters else "tokenizer"
    trainer = SFTTrainer(
        model=model,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        args=SFTConfig(**arguments),
        callbacks=[MetricsCallback()],
        **{tokenizer_argument: tokenizer},
    )
    stats = trainer.train()
    revision = None
    if config["pushToHub"]:
        token = os.environ.get("HF_TOKEN")
        model.push_to_hub_merged(config["outputRepo"], tokenizer, save_method="merged_16bit", token=token)
        from huggingface_hub import HfApi  # type: ignore

        revision = HfApi(token=token).model_info(config["outputRepo"]).sha
    emit(
        {
            "event": "result",
            "repoId": config["outputRepo"],
            "revision": revision,
            "trainLoss": getattr(stats, "training_loss", None),
        }
    )


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="path of the JSON training config")
    parser.add_argument("--dry-run", action="store_true", help="validate and format; no GPU")
    arguments = parser.parse_args(argv)
    try:
        config, warnings = load_config(arguments.config, arguments.dry_run)
        if arguments.dry_run:
            dry_run(config, warnings)
        else:
            train(config)
    except ConfigError as error:
        print(f"ConfigError: {error}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
