"""What the server's hooks do to FreshBooks calls: the call counters and the fault rules."""

from __future__ import annotations

from flask import Blueprint, jsonify

from sandbox import errors
from sandbox.api.common import runtime
from sandbox.api.control.common import optional_body
from sandbox.errors import NotFound

blueprint = Blueprint("faults", __name__)


@blueprint.get("/calls")
def calls():
    return jsonify(runtime().calls.snapshot())


@blueprint.post("/calls/reset")
def reset_calls():
    runtime().calls.reset()
    return jsonify(runtime().calls.snapshot())


@blueprint.get("/faults")
def list_faults():
    return jsonify({"faults": runtime().faults.rules()})


@blueprint.post("/faults")
def add_fault():
    rule = runtime().faults.add(optional_body())
    return jsonify({"fault": rule.describe()}), 201


@blueprint.delete("/faults")
def clear_faults():
    runtime().faults.clear()
    return jsonify({"faults": []})


@blueprint.delete("/faults/<int:rule_id>")
def remove_fault(rule_id: int):
    if not runtime().faults.remove(rule_id):
        raise errors.not_found(errors.CONTROL, NotFound("fault", "id", rule_id))
    return jsonify({"faults": runtime().faults.rules()})
