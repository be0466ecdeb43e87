# The ownership + validation policy of the e-commerce sample configuration,
# written in Rego for the side-by-side benchmark (regorus, in-process).
# Same decision order as the runtime: unknown entity/system, ownership,
# holders, then the entity's validate rules in configuration order.
package charter

import rego.v1

owner := {
	"product": "erp", "stock": "erp", "stock-movement": "tpl", "customer": "shop", "order": "oms",
	"payment": "psp", "refund": "psp", "shipment": "oms", "dispatch": "tpl", "invoice": "erp",
}

holders := {
	"product": {"erp", "shop", "oms"},
	"stock": {"erp", "shop", "oms"},
	"stock-movement": {"tpl", "erp"},
	"customer": {"shop", "oms", "accounting"},
	"order": {"oms", "shop", "erp", "tpl", "accounting"},
	"payment": {"psp", "oms", "accounting"},
	"refund": {"psp", "oms", "accounting"},
	"shipment": {"oms", "tpl", "shop", "parcel-carrier", "express-carrier", "freight-carrier"},
	"dispatch": {"tpl", "oms"},
	"invoice": {"erp", "accounting"},
}

systems := {"shop", "erp", "oms", "tpl", "psp", "accounting", "parcel-carrier", "express-carrier", "freight-carrier"}

order_ok if {
	input.data.total >= 0
	input.data.lines > 0
}

stock_ok if {
	input.data.onHand >= 0
	input.data.reserved >= 0
	input.data.reserved <= input.data.onHand
}

amount_ok if input.data.amount > 0

weight_ok if {
	input.data.weightKg > 0
	input.data.weightKg < 1000
}

failing contains {"n": 0, "rule": "order-total-not-negative", "action": "reject"} if {
	input.entity == "order"
	not order_ok
}

failing contains {"n": 1, "rule": "stock-reservations-covered", "action": "reject"} if {
	input.entity == "stock"
	not stock_ok
}

failing contains {"n": 2, "rule": "payment-amount-positive", "action": "reject"} if {
	input.entity == "payment"
	not amount_ok
}

failing contains {"n": 3, "rule": "refund-amount-positive", "action": "reject"} if {
	input.entity == "refund"
	not amount_ok
}

failing contains {"n": 4, "rule": "shipment-weight-known", "action": "quarantine"} if {
	input.entity == "shipment"
	not weight_ok
}

failing contains {"n": 5, "rule": "invoice-amount-positive", "action": "reject"} if {
	input.entity == "invoice"
	not amount_ok
}

first_failure := f if {
	some f in failing
	every g in failing { g.n >= f.n }
}

default decision := {"decision": "accept"}

decision := {"decision": "reject", "reason": "unknown-entity"} if {
	not owner[input.entity]
} else := {"decision": "reject", "reason": "unknown-system"} if {
	not systems[input.source]
} else := {"decision": "reject", "reason": "not-owner"} if {
	input.kind == "event"
	owner[input.entity] != input.source
} else := {"decision": "reject", "reason": "not-holder"} if {
	input.kind == "state"
	not holders[input.entity][input.source]
} else := {"decision": "observe"} if {
	input.kind == "state"
} else := {"decision": f.action, "reason": "rule", "rule": f.rule} if {
	f := first_failure
}
