package templates

// stripeList describes Stripe's list pagination, shared by every list.
const stripeList = " Page with limit (1-100) and starting_after (the last object's ID); has_more tells whether more remain."

// stripeAmount reminds a model how Stripe counts money.
const stripeAmount = " Amounts are integers in the currency's smallest unit (1000 = 10.00 USD); currency is a lowercase ISO code (usd)."

var stripe = definition{
	name:  "stripe",
	title: "Stripe",
	description: "Stripe API: balance and balance transactions, customers, payment intents, charges and refunds, invoices, " +
		"subscriptions, products and prices, Checkout sessions, payment links, the customer portal, events and payouts.",
	auth: "Secret key (sk_live_... or sk_test_..., or a restricted key rk_...) as a bearer token in Authorization " +
		"(Options.Token), as Stripe documents; Stripe-Version: 2023-08-16 (the embedded spec's API version) is sent " +
		"so answers match the spec (Options.Header replaces it).",
	licence: "MIT",
	source:  "stripe/openapi openapi/spec3.yaml @ 63a674638635c68de26b9f3add13e58198f4df44",
	spec:    "stripe/spec3.2023-09-12.yaml.gz",
	header:  map[string]string{"Stripe-Version": "2023-08-16"},
	preset:  bearerPreset("", "a Stripe secret key"),
	ops: []operation{
		{"GetBalance", "Get the account's current balance: available and pending amounts per currency." + stripeAmount},
		{"GetBalanceTransactions", "List the transactions that moved the balance (charges, refunds, fees, payouts), newest first; " +
			"type, payout, source and created filter." + stripeList},
		{"GetCustomers", "List customers, newest first; email filters by exact address." + stripeList},
		{"GetCustomersSearch", "Search customers with Stripe's search query language in query, for example " +
			"\"email:'jane@example.com'\" or \"name~'Jane' AND metadata['plan']:'pro'\"; page with the next_page value in page."},
		{"GetCustomersCustomer", "Get a customer by ID (customer, cus_...): email, name, balance, default payment method, metadata."},
		{"PostCustomers", "Create a customer. In body: email, name, description, phone, metadata (key-value pairs), payment_method."},
		{"PostCustomersCustomer", "Update a customer (customer, cus_...): only the fields in body change (email, name, description, metadata, invoice_settings)."},
		{"GetPaymentIntents", "List payment intents, newest first; customer and created filter." + stripeList},
		{"GetPaymentIntentsIntent", "Get a payment intent by ID (intent, pi_...): amount, status (requires_payment_method, succeeded, ...), " +
			"latest charge, last payment error."},
		{"PostPaymentIntents", "Create a payment intent to collect a payment. In body: amount and currency (required), customer, description, " +
			"payment_method and confirm=true to charge at once, automatic_payment_methods[enabled]=true, metadata." + stripeAmount},
		{"PostPaymentIntentsIntentConfirm", "Confirm a payment intent (intent) so Stripe attempts the payment; body payment_method sets the method to use."},
		{"PostPaymentIntentsIntentCancel", "Cancel a payment intent that has not succeeded (intent); body cancellation_reason " +
			"(duplicate, fraudulent, requested_by_customer, abandoned)."},
		{"GetCharges", "List charges, newest first; customer and payment_intent filter." + stripeList},
		{"GetChargesCharge", "Get a charge by ID (charge, ch_...): amount, status, refunded amount, receipt URL, failure reason."},
		{"GetRefunds", "List refunds, newest first; charge and payment_intent filter." + stripeList},
		{"PostRefunds", "Refund a payment. In body: payment_intent (or charge), amount (omit for a full refund), " +
			"reason (duplicate, fraudulent, requested_by_customer), metadata." + stripeAmount},
		{"GetInvoices", "List invoices, newest first; customer, subscription and status (draft, open, paid, uncollectible, void) filter." + stripeList},
		{"GetInvoicesInvoice", "Get an invoice by ID (invoice, in_...): lines, totals, status, hosted invoice URL, PDF link."},
		{"PostInvoiceitems", "Add a line to a customer's next or draft invoice. In body: customer (required), and price, or amount with " +
			"currency and description; invoice adds it to a given draft." + stripeAmount},
		{"PostInvoices", "Create a draft invoice for a customer; it collects the customer's pending invoice items. In body: customer, " +
			"collection_method (charge_automatically or send_invoice), days_until_due (for send_invoice), description, auto_advance."},
		{"PostInvoicesInvoiceFinalize", "Finalize a draft invoice (invoice) so it can be paid or sent; its lines can no longer change."},
		{"PostInvoicesInvoiceSend", "Email a finalized invoice (invoice) to the customer for manual payment."},
		{"PostInvoicesInvoiceVoid", "Void a finalized invoice (invoice) that should not be paid. This cannot be undone."},
		{"GetSubscriptions", "List subscriptions (not canceled ones, unless status=all or canceled); customer, price and status filter." + stripeList},
		{"GetSubscriptionsSubscriptionExposedId", "Get a subscription by ID (subscription_exposed_id, sub_...): items, status, current period, " +
			"cancellation settings."},
		{"PostSubscriptions", "Subscribe a customer. In body: customer (required), items (a list of {price, quantity}), " +
			"default_payment_method, trial_period_days, collection_method, metadata."},
		{"PostSubscriptionsSubscriptionExposedId", "Change a subscription (subscription_exposed_id): items to change prices or quantities, " +
			"cancel_at_period_end=true to cancel when the period ends, proration_behavior, metadata."},
		{"DeleteSubscriptionsSubscriptionExposedId", "Cancel a subscription immediately (subscription_exposed_id); body invoice_now and prorate " +
			"settle the last period. To cancel at the period's end instead, update it with cancel_at_period_end=true."},
		{"GetProducts", "List products, newest first; active filters." + stripeList},
		{"PostProducts", "Create a product. In body: name (required), description, default_price_data (currency, unit_amount, " +
			"recurring[interval]) to create its price at once, metadata."},
		{"GetPrices", "List prices, newest first; product, active, type (one_time or recurring) and currency filter." + stripeList},
		{"PostPrices", "Create a price for a product. In body: currency (required), product, unit_amount, recurring[interval] " +
			"(day, week, month, year) for a subscription price, nickname, lookup_key." + stripeAmount},
		{"PostCheckoutSessions", "Create a Checkout session: a hosted payment page whose url you give the customer. In body: mode " +
			"(payment, subscription or setup), line_items (a list of {price, quantity}), success_url, cancel_url, customer or customer_email."},
		{"PostPaymentLinks", "Create a payment link: a reusable URL that sells the given line_items (a list of {price, quantity}, required); " +
			"after_completion sets where buyers go."},
		{"PostBillingPortalSessions", "Create a customer portal session and get its url, where a customer (required) manages " +
			"subscriptions, payment methods and invoices; return_url is where they come back."},
		{"GetEvents", "List events (what happened in the account, up to 30 days back), newest first; type (such as " +
			"\"invoice.paid\" or \"customer.*\") and created filter." + stripeList},
		{"GetPayouts", "List payouts to the account's bank, newest first; status, arrival_date and created filter." + stripeList},
	},
}
