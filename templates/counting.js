// The counting screen (templates/counting.html) without a round trip per scan: Enter in a filled
// field whose next field (data-next) is empty moves there instead of submitting. Everything
// works without this script: the server then answers each Enter as a step of the form.
"use strict";
document.addEventListener("keydown", function (event) {
	var field = event.target, next;

	if (event.key !== "Enter" || !field.dataset || !field.dataset.next || !field.value.trim())
		return;
	next = document.getElementById(field.dataset.next);
	if (!next || next.value.trim())
		return;
	event.preventDefault();
	next.focus();
});
