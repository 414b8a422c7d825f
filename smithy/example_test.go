package smithy_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/smithy"
)

// Serve the Weather service (a non-AWS Smithy model with HTTP bindings)
// through a gateway, and call one of its tools.
func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"chanceOfRain": 0.3}`) // GET /city/{cityId}/forecast
	}))
	defer backend.Close()

	ctx := context.Background()
	model, err := smithy.LoadFile("testdata/weather-http.json")
	if err != nil {
		log.Fatal(err)
	}
	weather, err := smithy.New(ctx, model, &smithy.Options{Endpoint: backend.URL})
	if err != nil {
		log.Fatal(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None()})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, weather); err != nil {
		log.Fatal(err)
	}
	for _, ti := range gw.Catalog(ctx) {
		fmt.Println(ti.Name)
	}
	res, err := gw.Call(ctx, "weather___GetForecast", []byte(`{"cityId": "Lyon"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", res.StructuredContent)
	// Output:
	// weather___GetCity
	// weather___GetCurrentTime
	// weather___GetForecast
	// weather___ListCities
	// {"chanceOfRain":0.3}
}
