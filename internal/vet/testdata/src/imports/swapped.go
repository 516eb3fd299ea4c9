package imports

import http "github.com/coop-go/coop/httpx"

var client = http.DefaultClient
